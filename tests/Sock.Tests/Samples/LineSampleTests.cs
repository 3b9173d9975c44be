using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Samples;

/// <summary>
/// samples/LineServer and samples/LineClient are the proof that Sock.Core's public surface is enough to write a server
/// and a client: each runs as its own process (built beside the tests) against a real peer — ncat as the line server's
/// client, socat as the line client's server (in plain TCP and in TLS) — and against each other. The samples listen and connect on 127.0.0.1
/// only (they are kept to a few lines), so these run over TCP/IPv4 alone.
/// </summary>
public sealed class LineSampleTests
{
    [Fact]
    public async Task the_line_server_upper_cases_each_line_ncat_sends_and_ends_the_session_at_quit()
    {
        await using var server = StartSample("LineServer", "0");
        var port = await ListeningPortAsync(server);

        // "after" comes behind "quit": the server must not answer it, and closing the connection ends ncat.
        var ncat = await ProcessRunner.RunAsync(["ncat", "127.0.0.1", port.ToString()], "hello\nMixed Case 42\nquit\nafter\n",
            TimeSpan.FromSeconds(30));
        Assert.True(ncat.ExitCode == 0, ncat.ToString());
        Assert.Equal("HELLO\nMIXED CASE 42\n", ncat.Stdout);
    }

    [Fact]
    public async Task the_line_server_closes_a_connection_that_sends_a_line_over_its_limit()
    {
        await using var server = StartSample("LineServer", "0");
        var port = await ListeningPortAsync(server);

        // The sample's ServerOptions.MaxLineLength is 1024. The test's own socket keeps its sending side open (ncat would
        // not end on the server's close while its stdin is open), so the end of stream it reads is the server's close:
        // the long line gets no answer and neither does what follows it.
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
        await client.SendAsync(Encoding.ASCII.GetBytes("ok\n" + new string('x', 4000) + "\nnever\n"), cts.Token);
        var received = new MemoryStream();
        var buffer = new byte[8192];
        int n;
        while ((n = await client.ReceiveAsync(buffer, cts.Token)) > 0) received.Write(buffer, 0, n);
        Assert.Equal("OK\n", Encoding.ASCII.GetString(received.ToArray()));
    }

    [Fact]
    public async Task the_line_client_sends_its_lines_and_quit_and_prints_each_reply_of_a_socat_line_server()
    {
        using var dir = new TempDirectory("sock-sample-");
        var heard = dir.File("heard");
        // sed -u answers each line as it comes (tr would hold its output until the end of the stream); tee keeps what the
        // client sent; socat -d -d says which port it took, so nothing races for a port.
        await using var server = RunningProcess.Tool("socat", false, "-d", "-d", "TCP4-LISTEN:0,bind=127.0.0.1",
            $"SYSTEM:tee {heard} | sed -u y/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/");
        var port = int.Parse((await server.WaitForStderrAsync(@"listening on AF=2 127\.0\.0\.1:(\d+)")).Groups[1].Value);

        var client = await ProcessRunner.RunAsync(SampleCommand("LineClient", port.ToString(), "hello", "world"), timeout: TimeSpan.FromSeconds(30));
        Assert.True(client.ExitCode == 0, client.ToString());
        Assert.Equal("HELLO\nWORLD\n", client.Stdout);
        // socat ends once the client has closed; then tee has written everything it read.
        Assert.Equal(0, await server.WaitForExitAsync(seconds: 30));
        Assert.Equal("hello\nworld\nquit\n", File.ReadAllText(heard));
    }

    [Fact]
    public async Task the_line_client_with_ssl_talks_tls_to_a_socat_openssl_line_server()
    {
        using var dir = new TempDirectory("sock-sample-");
        var heard = dir.File("heard");
        var (cert, key) = (dir.File("cert.pem"), dir.File("key.pem"));
        var made = await ProcessRunner.RunAsync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
            "-out", cert, "-subj", "/CN=localhost", "-days", "1"], timeout: TimeSpan.FromSeconds(30));
        Assert.True(made.ExitCode == 0, made.ToString());
        // What tee keeps is what came out of the TLS session: the client's lines in plaintext, so TLS carried them.
        await using var server = RunningProcess.Tool("socat", false, "-d", "-d",
            $"OPENSSL-LISTEN:0,bind=127.0.0.1,cert={cert},key={key},verify=0",
            $"SYSTEM:tee {heard} | sed -u y/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/");
        var port = int.Parse((await server.WaitForStderrAsync(@"listening on AF=2 127\.0\.0\.1:(\d+)")).Groups[1].Value);

        var client = await ProcessRunner.RunAsync(SampleCommand("LineClient", "--ssl", port.ToString(), "secret", "words"),
            timeout: TimeSpan.FromSeconds(30));
        Assert.True(client.ExitCode == 0, client.ToString());
        Assert.Equal("SECRET\nWORDS\n", client.Stdout);
        Assert.Equal(0, await server.WaitForExitAsync(seconds: 30));
        Assert.Equal("secret\nwords\nquit\n", File.ReadAllText(heard));
    }

    [Fact]
    public async Task the_line_client_and_the_line_server_talk_to_each_other()
    {
        await using var server = StartSample("LineServer", "0");
        var port = await ListeningPortAsync(server);

        // Lines from stdin this time (the other test gives them as arguments); the client ends with "quit".
        var client = await ProcessRunner.RunAsync(SampleCommand("LineClient", port.ToString()), "one\nTwo\nthree 3\n",
            TimeSpan.FromSeconds(30));
        Assert.True(client.ExitCode == 0, client.ToString());
        Assert.Equal("ONE\nTWO\nTHREE 3\n", client.Stdout);

        // The server outlives its clients: a second one is served as well.
        var again = await ProcessRunner.RunAsync(SampleCommand("LineClient", port.ToString(), "again"), timeout: TimeSpan.FromSeconds(30));
        Assert.Equal("AGAIN\n", again.Stdout);
    }

    [Fact]
    public async Task the_line_client_says_a_refused_connect_in_one_line()
    {
        int port;
        using (var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            s.Bind(new IPEndPoint(IPAddress.Loopback, 0)); // bound, never listening: a connect to it is refused
            port = ((IPEndPoint)s.LocalEndPoint!).Port;
            var client = await ProcessRunner.RunAsync(SampleCommand("LineClient", port.ToString(), "hello"), timeout: TimeSpan.FromSeconds(30));
            Assert.Equal(1, client.ExitCode);
            var line = Assert.Single(client.StderrLines);
            Assert.StartsWith("LineClient: connect to 127.0.0.1:", line, StringComparison.Ordinal);
            Assert.Contains("refused", line, StringComparison.Ordinal);
            Assert.Equal("", client.Stdout);
        }
    }

    [Theory]
    [InlineData("LineServer")]
    [InlineData("LineClient")]
    public void the_readme_shows_the_sample_as_it_is(string sample)
    {
        // The README's code block after the sample's link: every line of it is a line of the sample (comments and
        // indentation aside), so the README cannot drift from code that these tests run.
        var readme = File.ReadAllLines(Path.Combine(RepoPaths.Root, "README.md"));
        var link = Array.FindIndex(readme, l => l.Contains($"[samples/{sample}](samples/{sample}/Program.cs)", StringComparison.Ordinal));
        Assert.True(link >= 0, $"README.md links no samples/{sample}");
        var open = Array.FindIndex(readme, link, l => l == "```csharp");
        var close = Array.FindIndex(readme, open + 1, l => l == "```");
        var shown = readme[(open + 1)..close].Select(Code).Where(l => l.Length > 0).ToList();
        Assert.True(shown.Count >= 5, $"README.md shows {shown.Count} lines of samples/{sample}");

        var source = File.ReadAllLines(Path.Combine(RepoPaths.Root, "samples", sample, "Program.cs")).Select(Code).ToHashSet();
        Assert.All(shown, l => Assert.True(source.Contains(l), $"README.md shows a line samples/{sample} does not have: {l}"));
    }

    private static string Code(string line) =>
        (line.IndexOf("//", StringComparison.Ordinal) is var c and >= 0 ? line[..c] : line).Trim();

    /// <summary>The command that runs a sample the build put beside the tests.</summary>
    private static string[] SampleCommand(string sample, params string[] args) =>
        ["dotnet", "exec", Path.Combine(AppContext.BaseDirectory, sample + ".dll"), .. args];

    private static RunningProcess StartSample(string sample, params string[] args) =>
        RunningProcess.Of(ProcessRunner.Start(SampleCommand(sample, args)));

    /// <summary>The port from the line server's first line, "upper-casing lines on 127.0.0.1:PORT; …".</summary>
    private static async Task<int> ListeningPortAsync(RunningProcess server)
    {
        var first = await server.WaitForStdoutAsync("; Ctrl-C", seconds: 30);
        var m = Regex.Match(first, @"^upper-casing lines on 127\.0\.0\.1:(\d+);");
        Assert.True(m.Success, first);
        return int.Parse(m.Groups[1].Value);
    }
}
