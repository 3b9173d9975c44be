using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>
/// `sock connect … | head -c 10`: once stdout's reader is gone, sock stops reading the socket, closes it and exits 1 with
/// "stdout closed", as ncat and socat do, instead of copying into nothing forever (.NET's console stream hides EPIPE).
/// </summary>
public class StdoutClosedTests
{
    private static readonly byte[] Chunk = new byte[64 * 1024];

    /// <summary>Sends until the peer goes away (at most 20 s or 4 GiB): the far side of a `| head` pipeline.</summary>
    private static async Task<Exception?> FloodAsync(Socket s)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            for (var i = 0; i < 65536; i++) await s.SendAsync(Chunk, SocketFlags.None, cts.Token);
            return null;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException) { return ex; }
    }

    /// <summary>Reads 10 bytes of sock's stdout, then closes the pipe as `head -c 10` does.</summary>
    private static async Task ReadTenAndCloseAsync(Process sock)
    {
        var ten = new byte[10];
        await sock.StandardOutput.BaseStream.ReadExactlyAsync(ten).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        sock.StandardOutput.Close();
    }

    private static async Task<(int Exit, string Stderr)> ExitAsync(Process sock, Task<string> stderr)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await sock.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            sock.Kill(entireProcessTree: true);
            Assert.Fail("sock went on after its stdout was closed (it should exit 1 within seconds)");
        }
        return (sock.ExitCode, await stderr);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task connect_exits_1_when_stdout_is_closed_and_resets_the_sender(string transport)
    {
        var (server, target) = Net.TestListener(transport);
        using var _ = server;
        using var sock = SockRunner.Start(["connect", .. target.ConnectArgs]);
        var stderr = sock.StandardError.ReadToEndAsync();
        sock.StandardInput.Close();
        using var peer = await server.AcceptAsync();
        var flood = FloodAsync(peer);
        await ReadTenAndCloseAsync(sock);
        var (exit, err) = await ExitAsync(sock, stderr);
        Assert.Equal(1, exit);
        Assert.Equal("sock: write to stdout failed: stdout closed (nothing reads it any more)", Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        // sock closed the connection with data unread: the sender's next sends fail (a reset over TCP).
        Assert.IsType<SocketException>(await flood.WaitAsync(TimeSpan.FromSeconds(25)));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task listen_exits_1_when_stdout_is_closed(string transport) => await ListenAsync(transport, []);

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task listen_keep_open_exits_1_when_stdout_is_closed(string transport) => await ListenAsync(transport, ["-k"]);

    private static async Task ListenAsync(string transport, string[] extra)
    {
        using var dir = new TempDirectory("sock-out-");
        var bind = Net.ListenArgs(transport, dir, out var path);
        using var sock = SockRunner.Start(["listen", "-v", .. extra, .. bind]);
        var lines = new List<string>();
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = Task.Run(async () =>
        {
            while (await sock.StandardError.ReadLineAsync() is { } line)
            {
                lock (lines) lines.Add(line);
                if (line.StartsWith("Listening on ", StringComparison.Ordinal)) listening.TrySetResult(line["Listening on ".Length..]);
            }
            listening.TrySetException(new InvalidOperationException("sock listen did not listen"));
            lock (lines) return string.Join('\n', lines.Where(l => l.StartsWith("sock: ", StringComparison.Ordinal)));
        });
        var target = Net.TargetFrom(transport, await listening.Task.WaitAsync(TimeSpan.FromSeconds(20)), path);
        using var client = await target.ConnectAsync();
        var flood = FloodAsync(client);
        await ReadTenAndCloseAsync(sock);
        var (exit, err) = await ExitAsync(sock, stderr);
        Assert.Equal(1, exit);
        Assert.Equal("sock: write to stdout failed: stdout closed (nothing reads it any more)", err);
        Assert.IsType<SocketException>(await flood.WaitAsync(TimeSpan.FromSeconds(25)));
    }

    [Fact]
    public async Task connect_with_stdout_closed_before_it_starts_is_one_line_and_exit_1()
    {
        // `sock connect 127.0.0.1 P >&-`: descriptor 1 is closed, and the runtime's next file takes its number.
        var (server, target) = Net.TestListener(Transports.Tcp4);
        using var _ = server;
        var accept = Task.Run(async () =>
        {
            using var peer = await server.AcceptAsync();
            await FloodAsync(peer);
        });
        var run = await ProcessRunner.RunAsync(["sh", "-c", "exec \"$@\" >&-", "sh", .. SockRunner.Command(["connect", .. target.ConnectArgs])], "");
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.StderrLines);
        Assert.Matches(new Regex("^sock: write to stdout failed: stdout closed"), line);
        await accept.WaitAsync(TimeSpan.FromSeconds(25));
    }
}
