using System.Net.Sockets;
using System.Text;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Serving;

/// <summary>
/// A Unix stream client bound to a path longer than the server's own, or to an abstract name, once aborted every Unix
/// listener: .NET sized accept's address buffer by the listener's address and threw on an I/O thread. Every Unix
/// listener of sock, each mode, takes such clients and goes on serving.
/// </summary>
public class UnixClientAddressTests
{
    public static TheoryData<string> Servers => new()
    {
        "listen -k", "listen --broker", "listen --chat", "listen -k -e /bin/cat", "nc -lk", "serve echo", "bench --server",
    };

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task clients_bound_to_a_longer_path_or_an_abstract_name_are_taken_and_the_listener_goes_on(string server)
    {
        Assert.True(ExternalTool.Exists("socat"), "socat is needed for this test");
        using var dir = new TempDirectory("sock-ua-");
        var path = dir.File("s.sock");
        string[] args = server switch
        {
            "serve echo" => ["serve", "echo", "--unix", path],
            "bench --server" => ["bench", "--server", "-U", path],
            "nc -lk" => ["nc", "-lk", "-U", path],
            _ => [.. server.Split(' '), "-U", path],
        };
        await using var sock = RunningProcess.Sock(args);
        await Net.WaitListeningAsync(Transports.Unix, 0, path);
        // A first client, then a moment: the hostile ones must find an accept already waiting (.NET's asynchronous
        // completion, where the abort was), not a backlog that a first accept drains synchronously.
        for (var attempt = 0; ; attempt++)
        {
            using var first = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await first.ConnectAsync(new UnixDomainSocketEndPoint(path));
                await first.SendAsync("first\n"u8.ToArray());
                break;
            }
            catch (SocketException) when (attempt < 200) // the file is there at bind(), before listen()
            {
                await Task.Delay(50);
            }
        }
        await Task.Delay(300);

        // socat binds its end to a path far longer than the server's (near sun_path's 108 bytes).
        var longPath = dir.File(new string('c', 100 - dir.Path.Length));
        var socat = await ProcessRunner.RunAsync(["socat", "-t", "1", "-", $"UNIX-CONNECT:{path},bind={longPath}"], "hi\n", TimeSpan.FromSeconds(30));
        Assert.True(socat.ExitCode == 0, socat.ToString());
        if (server == "serve echo") Assert.Equal("hi\n", socat.Stdout);

        using (var abstractClient = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            abstractClient.Bind(new UnixDomainSocketEndPoint($"\0sock-test-{Environment.ProcessId}-{Guid.NewGuid():N}"));
            await abstractClient.ConnectAsync(new UnixDomainSocketEndPoint(path));
            await abstractClient.SendAsync("hi\n"u8.ToArray());
            if (server == "serve echo") Assert.Equal("hi\n", await Net.ReadUntilAsync(abstractClient, "\n"));
        }

        // An ordinary client after them is still served.
        using var plain = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await plain.ConnectAsync(new UnixDomainSocketEndPoint(path));
        await plain.SendAsync("ping\n"u8.ToArray());
        if (server is "serve echo" or "listen -k -e /bin/cat")
            Assert.Equal("ping\n", await Net.ReadUntilAsync(plain, "\n"));
        else if (server == "listen --chat")
            Assert.Contains("already connected", await Net.ReadUntilAsync(plain, "already connected"));
        else
            await Task.Delay(500); // the abort came at the accept, long before this
        Assert.False(sock.Process.HasExited, $"sock {server} exited ({(sock.Process.HasExited ? sock.Process.ExitCode : 0)}): {string.Join(" | ", sock.StderrLines)}");
        Assert.DoesNotContain(sock.StderrLines, l => l.Contains("Exception", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("listen", "path")]
    [InlineData("listen", "abstract")]
    [InlineData("nc -l", "path")]
    public async Task the_one_client_listener_serves_a_client_bound_to_a_longer_path_or_an_abstract_name(string command, string bound)
    {
        using var dir = new TempDirectory("sock-ua-");
        var path = dir.File("s.sock");
        await using var sock = RunningProcess.Sock([.. command.Split(' '), "-U", path]);
        sock.CloseStdin();
        await Net.WaitListeningAsync(Transports.Unix, 0, path);
        await Task.Delay(300); // the file is there at bind(); the client must find accept already waiting
        using (var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            client.Bind(new UnixDomainSocketEndPoint(bound == "abstract"
                ? $"\0sock-test-{Environment.ProcessId}-{Guid.NewGuid():N}"
                : dir.File(new string('c', 100 - dir.Path.Length))));
            await client.ConnectAsync(new UnixDomainSocketEndPoint(path));
            await client.SendAsync(Encoding.ASCII.GetBytes("hello\n"));
            client.Shutdown(SocketShutdown.Send);
            await Net.ReadToEndAsync(client);
        }
        Assert.True(await sock.WaitForExitAsync() == 0, string.Join(" | ", sock.StderrLines));
        Assert.Equal("hello\n", sock.StdoutText);
    }
}
