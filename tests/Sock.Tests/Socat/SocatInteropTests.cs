using System.Text;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Socat;

/// <summary>
/// socat's common invocations run unchanged through `sock socat`, each checked against real socat running the same
/// words in the same test: the same bytes reach the clients and the same exit codes come back. The peers (targets and
/// clients) are real socat processes.
/// </summary>
public sealed class SocatInteropTests
{
    /// <summary>socat's port forwarder (TCP-LISTEN:P,fork,reuseaddr TCP:127.0.0.1:Q, and its IPv6 and Unix forms) serving several clients at once, with half-close passed through.</summary>
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_forking_listener_forwards_every_client_to_the_target(string transport)
    {
        var results = new Dictionary<string, string>();
        foreach (var tool in new[] { "socat", "sock" })
        {
            using var dir = new TempDirectory("sock-socat-fwd-");
            var (q, p) = (SocatPeers.FreePort(transport), SocatPeers.FreePort(transport));
            var targetPath = Path.Combine(dir.Path, "target.sock");
            var fwdPath = Path.Combine(dir.Path, "fwd.sock");
            // The target counts what each client sent and answers only after the client's end of stream.
            await using var target = SocatPeers.Start("socat", SocatPeers.Listen(transport, q, targetPath, ",fork"), "SYSTEM:wc -c; echo end");
            await SocatPeers.WaitReadyAsync(transport, q, targetPath);
            await using var forwarder = SocatPeers.Start(tool, SocatPeers.Listen(transport, p, fwdPath, ",fork"), SocatPeers.Connect(transport, q, targetPath));
            await SocatPeers.WaitReadyAsync(transport, p, fwdPath);
            var sizes = new[] { 1, 1000, 70_000, 300_000 };
            var clients = sizes.Select(n => SocatPeers.RunAsync("socat", new string('x', n), "-t", "30", "-", SocatPeers.Connect(transport, p, fwdPath))).ToArray();
            var runs = await Task.WhenAll(clients);
            results[tool] = string.Join("|", runs.Select(r => $"{r.ExitCode}:{r.Stdout.Replace("\n", "\\n", StringComparison.Ordinal)}"));
            Assert.False(forwarder.Process.HasExited, $"{tool} stopped forwarding: {string.Join(" | ", forwarder.StderrLines)}");
        }
        Assert.Equal("0:1\\nend\\n|0:1000\\nend\\n|0:70000\\nend\\n|0:300000\\nend\\n", results["socat"]);
        Assert.Equal(results["socat"], results["sock"]);
    }

    /// <summary>`socat - TCP:…` / `- UNIX-CONNECT:…`: stdin to the socket, the answer (sent after stdin's end) to stdout, exit 0.</summary>
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task stdio_to_a_stream_socket_sends_stdin_and_prints_the_answer(string transport)
    {
        using var dir = new TempDirectory("sock-socat-stdio-");
        var q = SocatPeers.FreePort(transport);
        var path = Path.Combine(dir.Path, "s.sock");
        await using var server = SocatPeers.Start("socat", SocatPeers.Listen(transport, q, path, ",fork"), "SYSTEM:wc -c; echo end");
        await SocatPeers.WaitReadyAsync(transport, q, path);
        var input = string.Concat(Enumerable.Range(0, 5000).Select(i => $"line {i}\n"));
        // -t 30: the answer comes after stdin's end, and under load later than socat's default 0.5 s; the server closes after it.
        var socat = await SocatPeers.RunAsync("socat", input, "-t", "30", "-", SocatPeers.Connect(transport, q, path));
        var sock = await SocatPeers.RunAsync("sock", input, "-t", "30", "-", SocatPeers.Connect(transport, q, path));
        Assert.Equal($"{Encoding.ASCII.GetByteCount(input)}\nend\n", socat.Stdout);
        Assert.Equal((socat.ExitCode, socat.Stdout), (sock.ExitCode, sock.Stdout));
    }

    [Fact]
    public async Task a_refused_connect_exits_1_as_socat_does_with_one_line()
    {
        var port = SocatPeers.FreePort(Transports.Tcp4);
        var socat = await SocatPeers.RunAsync("socat", "x", "-", $"TCP:127.0.0.1:{port}");
        var sock = await SocatPeers.RunAsync("sock", "x", "-", $"TCP:127.0.0.1:{port}");
        Assert.Equal(1, socat.ExitCode);
        Assert.Equal(1, sock.ExitCode);
        Assert.Equal($"sock: connect to 127.0.0.1:{port} failed: connection refused (nothing is listening there)", Assert.Single(sock.StderrLines));
    }

    /// <summary>`TCP-LISTEN:… EXEC:cat` without fork: one client is echoed, then the listener exits 0 (and takes no second client).</summary>
    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_listener_without_fork_serves_one_client_with_a_program_then_exits(string transport)
    {
        var results = new List<string>();
        foreach (var tool in new[] { "socat", "sock" })
        {
            using var dir = new TempDirectory("sock-socat-exec-");
            var p = SocatPeers.FreePort(transport);
            var path = Path.Combine(dir.Path, "s.sock");
            await using var listener = SocatPeers.Start(tool, SocatPeers.Listen(transport, p, path), "EXEC:cat");
            await SocatPeers.WaitReadyAsync(transport, p, path);
            // -t 30: cat's echo may come later than socat's default 0.5 s after the client's end under load.
            var client = await SocatPeers.RunAsync("socat", "hello\nworld\n", "-t", "30", "-", SocatPeers.Connect(transport, p, path));
            var exit = await listener.WaitForExitAsync(20);
            results.Add($"{client.ExitCode}:{client.Stdout}:{exit}");
        }
        Assert.Equal("0:hello\nworld\n:0", results[0]);
        Assert.Equal(results[0], results[1]);
    }

    /// <summary>TLS termination, `OPENSSL-LISTEN:…,cert=…,key=…,verify=0,fork TCP:…`, with an openssl-made certificate; socat's OPENSSL client checks it against that certificate.</summary>
    [Fact]
    public async Task an_openssl_listener_terminates_tls_in_front_of_a_tcp_target()
    {
        using var dir = new TempDirectory("sock-socat-tls-");
        var (cert, key) = await MakeCertificateAsync(dir.Path);
        var results = new Dictionary<string, string>();
        foreach (var tool in new[] { "socat", "sock" })
        {
            var (q, p) = (SocatPeers.FreePort(Transports.Tcp4), SocatPeers.FreePort(Transports.Tcp4));
            await using var target = SocatPeers.Start("socat", $"TCP-LISTEN:{q},bind=127.0.0.1,reuseaddr,fork", "SYSTEM:wc -c; echo end");
            await SocatPeers.WaitReadyAsync(Transports.Tcp4, q, null);
            await using var terminator = SocatPeers.Start(tool, $"OPENSSL-LISTEN:{p},bind=127.0.0.1,reuseaddr,fork,cert={cert},key={key},verify=0", $"TCP:127.0.0.1:{q}");
            await SocatPeers.WaitReadyAsync(Transports.Tcp4, p, null);
            var runs = await Task.WhenAll(Enumerable.Range(1, 3).Select(i =>
                SocatPeers.RunAsync("socat", new string('t', i * 10_000), "-t", "30", "-", $"OPENSSL:127.0.0.1:{p},cafile={cert},commonname=localhost")));
            results[tool] = string.Join("|", runs.Select(r => $"{r.ExitCode}:{r.Stdout}"));
        }
        Assert.Equal("0:10000\nend\n|0:20000\nend\n|0:30000\nend\n", results["socat"]);
        Assert.Equal(results["socat"], results["sock"]);
    }

    /// <summary>
    /// `- OPENSSL:HOST:PORT` checks the server's certificate by default (socat's verify=1): against cafile= it passes, without
    /// it a self-signed server is refused (exit 1); verify=0 skips the check.
    /// </summary>
    [Fact]
    public async Task an_openssl_client_verifies_by_default_as_socat_does()
    {
        using var dir = new TempDirectory("sock-socat-tlsc-");
        var (cert, key) = await MakeCertificateAsync(dir.Path);
        var p = SocatPeers.FreePort(Transports.Tcp4);
        await using var server = SocatPeers.Start("socat", $"OPENSSL-LISTEN:{p},bind=127.0.0.1,reuseaddr,fork,cert={cert},key={key},verify=0", "SYSTEM:wc -c");
        await SocatPeers.WaitReadyAsync(Transports.Tcp4, p, null);
        foreach (var (address, expected) in new[]
        {
            ($"OPENSSL:127.0.0.1:{p},cafile={cert},commonname=localhost", "0:5\n"),
            ($"OPENSSL:127.0.0.1:{p}", "1:"),
            ($"OPENSSL:127.0.0.1:{p},verify=0", "0:5\n"),
        })
        {
            var socat = await SocatPeers.RunAsync("socat", "tls!\n", "-t", "30", "-", address);
            var sock = await SocatPeers.RunAsync("sock", "tls!\n", "-t", "30", "-", address);
            Assert.Equal(expected, $"{socat.ExitCode}:{socat.Stdout}");
            Assert.Equal(expected, $"{sock.ExitCode}:{sock.Stdout}");
        }
    }

    /// <summary>
    /// A virtual serial port, `PTY,link=…,raw,echo=0 TCP:…`: what a program writes to the link's terminal reaches the TCP
    /// peer and its answer comes back on the terminal, byte for byte (raw: no CR added, echo=0: nothing echoed).
    /// </summary>
    [Fact]
    public async Task a_pty_with_raw_and_echo_off_bridges_a_terminal_to_tcp()
    {
        var results = new Dictionary<string, string>();
        foreach (var tool in new[] { "socat", "sock" })
        {
            using var dir = new TempDirectory("sock-socat-pty-");
            var q = SocatPeers.FreePort(Transports.Tcp4);
            await using var target = SocatPeers.Start("socat", $"TCP-LISTEN:{q},bind=127.0.0.1,reuseaddr,fork", "SYSTEM:while read l; do echo got-$l; done");
            await SocatPeers.WaitReadyAsync(Transports.Tcp4, q, null);
            var link = Path.Combine(dir.Path, "ttyV0");
            await using var bridge = SocatPeers.Start(tool, $"PTY,link={link},raw,echo=0", $"TCP:127.0.0.1:{q}");
            var sw = System.Diagnostics.Stopwatch.StartNew();
            while (!File.Exists(link) && sw.Elapsed < TimeSpan.FromSeconds(15)) await Task.Delay(20);
            Assert.True(File.Exists(link), $"{tool} made no link: {string.Join(" | ", bridge.StderrLines)}");
            await using var tty = new FileStream(link, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
            await tty.WriteAsync("abc\nxyz\n"u8.ToArray());
            var got = new MemoryStream();
            var buffer = new byte[256];
            var expected = "got-abc\ngot-xyz\n";
            while (got.Length < expected.Length && sw.Elapsed < TimeSpan.FromSeconds(30))
            {
                var read = Task.Run(() => tty.Read(buffer, 0, buffer.Length));
                if (await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))) != read) break;
                got.Write(buffer, 0, await read);
            }
            results[tool] = Encoding.ASCII.GetString(got.ToArray());
            bridge.Process.Kill();
        }
        Assert.Equal("got-abc\ngot-xyz\n", results["socat"]);
        Assert.Equal(results["socat"], results["sock"]);
    }

    /// <summary>
    /// UDP forwarding as people run it for DNS (`UDP-RECVFROM:P,fork UDP:…`: a session per datagram) and with a session per
    /// peer (`UDP-LISTEN:P,fork UDP:…`): each client gets its own answer.
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports.Datagram), MemberType = typeof(Transports))]
    public async Task udp_forwarders_answer_each_client(string transport)
    {
        var v6 = transport == Transports.Udp6;
        var results = new Dictionary<string, string>();
        foreach (var tool in new[] { "socat", "sock" })
        {
            foreach (var kind in new[] { "RECVFROM", "LISTEN" })
            {
                var (q, p) = (SocatPeers.FreePort(transport), SocatPeers.FreePort(transport));
                await using var target = SocatPeers.Start("socat", SocatPeers.Listen(transport, q, null, ",fork"), "EXEC:tr a-z A-Z");
                await SocatPeers.WaitReadyAsync(transport, q, null);
                var family = v6 ? "6" : "4";
                var bind = v6 ? "[::1]" : "127.0.0.1";
                await using var forwarder = SocatPeers.Start(tool, $"UDP{family}-{kind}:{p},bind={bind},fork", SocatPeers.Connect(transport, q, null));
                await SocatPeers.WaitReadyAsync(transport, p, null);
                var answers = new List<string>();
                foreach (var word in new[] { "one", "two", "three" })
                {
                    // Each client from a port of its own, waiting (bounded) for its answer: UDP has no end to wait for.
                    using var client = new System.Net.Sockets.UdpClient(v6 ? System.Net.Sockets.AddressFamily.InterNetworkV6 : System.Net.Sockets.AddressFamily.InterNetwork);
                    client.Connect(v6 ? System.Net.IPAddress.IPv6Loopback : System.Net.IPAddress.Loopback, p);
                    await client.SendAsync(Encoding.ASCII.GetBytes(word + "\n"));
                    using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                    var reply = await client.ReceiveAsync(limit.Token);
                    answers.Add(Encoding.ASCII.GetString(reply.Buffer));
                }
                results[$"{tool} {kind}"] = string.Join("|", answers);
            }
        }
        Assert.Equal("ONE\n|TWO\n|THREE\n", results["socat RECVFROM"]);
        Assert.Equal(results["socat RECVFROM"], results["sock RECVFROM"]);
        Assert.Equal(results["socat LISTEN"], results["sock LISTEN"]);
    }

    /// <summary>
    /// A port by service name, as socat takes it through getservbyname: `TCP-LISTEN:asp` and `TCP:127.0.0.1:asp`
    /// (asp is 27374/tcp and 27374/udp in Debian's /etc/services, a port nothing else on loopback uses), in a forwarder
    /// and its client, over TCP and UDP: the same answer and exit code as socat's.
    /// </summary>
    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    [InlineData(Transports.Udp4)]
    [InlineData(Transports.Udp6)]
    public async Task a_port_may_be_a_service_name_as_in_socat(string transport)
    {
        const int asp = 27374;
        var udp = transport is Transports.Udp4 or Transports.Udp6;
        Assert.Contains(File.ReadLines("/etc/services"), l => l.StartsWith("asp", StringComparison.Ordinal) && l.Contains($"{asp}/{(udp ? "udp" : "tcp")}", StringComparison.Ordinal));
        var results = new Dictionary<string, string>();
        foreach (var tool in new[] { "socat", "sock" })
        {
            var q = SocatPeers.FreePort(transport);
            await using var target = SocatPeers.Start("socat", SocatPeers.Listen(transport, q, null, ",fork"), udp ? "EXEC:tr a-z A-Z" : "SYSTEM:tr a-z A-Z; echo end");
            await SocatPeers.WaitReadyAsync(transport, q, null);
            var named = SocatPeers.Listen(transport, asp, null, ",fork").Replace($":{asp}", ":asp", StringComparison.Ordinal);
            await using var forwarder = SocatPeers.Start(tool, named, SocatPeers.Connect(transport, q, null));
            await SocatPeers.WaitReadyAsync(transport, asp, null);
            // UDP has no end of stream: the client waits -t for the answer, then stops.
            var client = await SocatPeers.RunAsync(tool, "hello\n", "-t", udp ? "2" : "30", "-",
                SocatPeers.Connect(transport, asp, null).Replace($":{asp}", ":asp", StringComparison.Ordinal));
            results[tool] = $"{client.ExitCode}:{client.Stdout}";
            Assert.True(client.ExitCode == 0, $"{tool}: {client}");
        }
        Assert.Equal(udp ? "0:HELLO\n" : "0:HELLO\nend\n", results["socat"]);
        Assert.Equal(results["socat"], results["sock"]);
    }

    private static async Task<(string Cert, string Key)> MakeCertificateAsync(string dir)
    {
        var cert = Path.Combine(dir, "cert.pem");
        var key = Path.Combine(dir, "key.pem");
        var r = await ProcessRunner.RunAsync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
            "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], timeout: TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r.ToString());
        return (cert, key);
    }
}
