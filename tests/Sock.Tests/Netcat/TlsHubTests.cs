using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>
/// `sock listen --ssl` with many clients on the serving engine: -k, --broker and --chat, each client with its own TLS
/// session, against ncat's and OpenSSL's TLS clients and a .NET client in the test; a client that fails or stalls its
/// handshake is dropped alone.
/// </summary>
public sealed class TlsHubTests
{
    /// <summary>A .NET TLS client in the test: connected, handshake done (any certificate taken, as ncat --ssl does).</summary>
    private sealed class TlsTestClient : IAsyncDisposable
    {
        private readonly Socket _socket;
        private readonly StringBuilder _received = new();

        private TlsTestClient(Socket socket, SslStream ssl)
        {
            _socket = socket;
            Ssl = ssl;
        }

        public SslStream Ssl { get; }

        public static async Task<TlsTestClient> ConnectAsync(Target target, X509Certificate2? certificate = null)
        {
            var socket = await target.ConnectAsync();
            var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), false, (_, _, _, _) => true);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ClientCertificates = certificate is null ? null : [certificate],
            }).WaitAsync(TimeSpan.FromSeconds(20));
            return new TlsTestClient(socket, ssl);
        }

        public async Task SendAsync(string text)
        {
            await Ssl.WriteAsync(Encoding.UTF8.GetBytes(text));
            await Ssl.FlushAsync();
        }

        /// <summary>Reads until <paramref name="text"/> has arrived (or the session ends); everything read so far.</summary>
        public async Task<string> ReadUntilAsync(string text, double seconds = 15)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            var buf = new byte[4096];
            while (!_received.ToString().Contains(text, StringComparison.Ordinal))
            {
                var n = await Ssl.ReadAsync(buf, cts.Token);
                if (n == 0) break;
                _received.Append(Encoding.UTF8.GetString(buf, 0, n));
            }
            return _received.ToString();
        }

        public async ValueTask DisposeAsync()
        {
            await Ssl.DisposeAsync();
            _socket.Dispose();
        }
    }

    /// <summary>ncat --ssl as a client where it can be one: over IP (ncat has no TLS over Unix sockets), else null.</summary>
    private static RunningProcess? Ncat(Target target) =>
        target.Path is not null ? null : RunningProcess.Tool("ncat", hashStdout: false, "--ssl", target.Host!, target.Port.ToString(CultureInfo.InvariantCulture));

    private static string[] OpensslArgs(Target target) =>
        target.Path is not null ? ["s_client", "-unix", target.Path, "-quiet"]
        : ["s_client", "-connect", target.Transport == Transports.Tcp6 ? $"[::1]:{target.Port}" : $"127.0.0.1:{target.Port}", "-quiet"];

    private static async Task WriteLineAsync(RunningProcess p, string text)
    {
        await p.Stdin.WriteAsync(Encoding.UTF8.GetBytes(text));
        await p.Stdin.FlushAsync();
    }

    /// <summary>Stops sock as a user would (SIGTERM): it sends what is queued for each client, ends each session, exits 143.</summary>
    private static async Task StopAsync(RunningProcess sock)
    {
        var kill = await ExternalTool.RunAsync("kill", "-TERM", sock.Process.Id.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0, kill.ExitCode);
        Assert.Equal(143, await sock.WaitForExitAsync(15));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task listen_k_ssl_serves_ncat_openssl_and_dotnet_clients_at_once(string transport)
    {
        Assert.True(ExternalTool.Exists("ncat"), "ncat is needed for this test");
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        var (sock, target) = await Net.StartListenerAsync(transport, "-k", "--ssl");
        await using var _ = sock;
        // Over a Unix socket, where ncat has no TLS, a second .NET client stands in for it.
        await using var ncat = Ncat(target);
        await using var openssl = RunningProcess.Tool("openssl", hashStdout: false, OpensslArgs(target));
        await using var dotnet = await TlsTestClient.ConnectAsync(target);
        await using var other = ncat is null ? await TlsTestClient.ConnectAsync(target) : null;
        await sock.WaitForStderrAsync("3 connected");
        Assert.Equal(3, sock.StderrLines.Count(l => l.StartsWith("TLS session with ", StringComparison.Ordinal)));

        // Each client's bytes reach sock's output.
        if (ncat is not null) await WriteLineAsync(ncat, "from ncat\n");
        else await other!.SendAsync("from ncat's stand-in\n");
        await WriteLineAsync(openssl, "from openssl\n");
        await dotnet.SendAsync("from dotnet\n");
        foreach (var line in new[] { ncat is null ? "from ncat's stand-in\n" : "from ncat\n", "from openssl\n", "from dotnet\n" })
            await sock.WaitForStdoutAsync(line);
        // sock's input reaches every client.
        await WriteLineAsync(sock, "to all\n");
        Assert.Contains("to all\n", await dotnet.ReadUntilAsync("to all\n"));
        if (ncat is not null) await ncat.WaitForStdoutAsync("to all\n");
        else Assert.Contains("to all\n", await other!.ReadUntilAsync("to all\n"));
        await openssl.WaitForStdoutAsync("to all\n");
        await StopAsync(sock);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task broker_ssl_relays_between_tls_clients(string transport)
    {
        Assert.True(ExternalTool.Exists("ncat"), "ncat is needed for this test");
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        var (sock, target) = await Net.StartListenerAsync(transport, "--broker", "--ssl");
        await using var _ = sock;
        // ncat over IP; over a Unix socket, where ncat has no TLS, OpenSSL's client.
        await using var tool = Ncat(target) ?? RunningProcess.Tool("openssl", hashStdout: false, OpensslArgs(target));
        await using var dotnet = await TlsTestClient.ConnectAsync(target);
        await sock.WaitForStderrAsync("2 connected");
        await WriteLineAsync(tool, "from the tool\n");
        Assert.Equal("from the tool\n", await dotnet.ReadUntilAsync("\n"));
        await dotnet.SendAsync("from dotnet\n");
        Assert.Equal("from dotnet\n", await tool.WaitForStdoutAsync("\n"));
        // Nothing a broker relays goes to its own output.
        await StopAsync(sock);
        Assert.Equal("", sock.StdoutText);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task chat_ssl_names_each_tls_client(string transport)
    {
        var (sock, target) = await Net.StartListenerAsync(transport, "--chat", "--ssl");
        await using var _ = sock;
        await using var a = await TlsTestClient.ConnectAsync(target);
        Assert.Contains("already connected: nobody.", await a.ReadUntilAsync("\n"));
        await using var b = await TlsTestClient.ConnectAsync(target);
        Assert.Contains("is connected as <user#2>.", await a.ReadUntilAsync("<user#2>.\n"));
        Assert.Contains("as <user#1>.", await b.ReadUntilAsync("<user#1>.\n"));
        await a.SendAsync("hi over tls\n");
        Assert.Contains("<user#1> hi over tls\n", await b.ReadUntilAsync("hi over tls\n"));
        await b.DisposeAsync();
        Assert.Contains("<announce> <user#2> is disconnected.\n", await a.ReadUntilAsync("disconnected.\n"));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_plain_client_is_dropped_with_its_failed_handshake_reported_while_tls_clients_go_on(string transport)
    {
        var (sock, target) = await Net.StartListenerAsync(transport, "-k", "--ssl");
        await using var _ = sock;
        await using var first = await TlsTestClient.ConnectAsync(target);
        await sock.WaitForStderrAsync("1 connected");

        // A client that speaks plain text where TLS is expected: its connection is closed, and -v says why.
        using (var plain = await target.ConnectAsync())
        {
            await plain.SendAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray());
            await Net.ReadToEndAsync(plain);
        }
        await sock.WaitForStderrAsync("^Connection from .*: TLS handshake with .* failed: the peer does not speak TLS");

        // The TLS clients go on: one already there, and one that comes after.
        await using var second = await TlsTestClient.ConnectAsync(target);
        await sock.WaitForStderrAsync(@"client 2, 2 connected");
        await WriteLineAsync(sock, "still serving\n");
        Assert.Contains("still serving\n", await first.ReadUntilAsync("still serving\n"));
        Assert.Contains("still serving\n", await second.ReadUntilAsync("still serving\n"));
        await first.SendAsync("first goes on\n");
        await sock.WaitForStdoutAsync("first goes on\n");
        await StopAsync(sock);
        Assert.Equal("first goes on\n", sock.StdoutText);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_client_that_never_finishes_its_handshake_does_not_stall_the_others_and_is_dropped_after_w(string transport)
    {
        var (sock, target) = await Net.StartListenerAsync(transport, "-k", "--ssl", "-w", "6s");
        await using var _ = sock;
        // Accepted, and its handshake waiting on a ClientHello that never comes.
        using var silent = await target.ConnectAsync();

        // Meanwhile a TLS client is served: its session, its data both ways.
        await using var client = await TlsTestClient.ConnectAsync(target);
        await sock.WaitForStderrAsync("client 1, 1 connected");
        await WriteLineAsync(sock, "hello\n");
        Assert.Contains("hello\n", await client.ReadUntilAsync("hello\n"));
        // ... while the silent one was still waiting: had the hub waited on it, this client would come only after its drop.
        Assert.DoesNotContain(sock.StderrLines, l => l.Contains("timed out", StringComparison.Ordinal));

        // The silent one is dropped after -w, and -v says so.
        Assert.Empty(await Net.ReadToEndAsync(silent, TimeSpan.FromSeconds(30)));
        await sock.WaitForStderrAsync("^Connection from .*: TLS handshake with .* failed: timed out after 6s");
        await client.SendAsync("after\n");
        await sock.WaitForStdoutAsync("after\n");
        await StopAsync(sock);
        Assert.Equal("after\n", sock.StdoutText);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task ssl_verify_with_k_serves_a_client_with_a_trusted_certificate_and_drops_one_without(string transport)
    {
        using var dir = new TempDirectory("sock-tlshub-");
        var trusted = TlsConnectTests.MakeCertificate(dir, "sock-test-client");
        var (sock, target) = await Net.StartListenerAsync(transport, "-k", "--ssl", "--ssl-verify", "--ssl-trustfile", trusted.CertFile);
        await using var _ = sock;

        // Without a certificate: the handshake may look done to a TLS 1.3 client, but the server refuses it, alone.
        try
        {
            await using var without = await TlsTestClient.ConnectAsync(target);
            await without.SendAsync("refused\n");
            await without.ReadUntilAsync("\n", 10);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or SocketException or OperationCanceledException)
        {
            // The reset, seen as the handshake's end or as the next read's.
        }
        await sock.WaitForStderrAsync("^Connection from .*: TLS handshake with .* failed: the client sent no certificate \\(--ssl-verify requires one\\)");

        // With the trusted certificate: a session naming it, and its data through.
        await using var with = await TlsTestClient.ConnectAsync(target, trusted.Certificate);
        await sock.WaitForStderrAsync("client 1, 1 connected");
        Assert.Contains(sock.StderrLines, l => l.StartsWith("TLS session with ", StringComparison.Ordinal) && l.EndsWith(", client certificate CN=sock-test-client", StringComparison.Ordinal));
        await with.SendAsync("trusted\n");
        await sock.WaitForStdoutAsync("trusted\n");
        await StopAsync(sock);
        Assert.Equal("trusted\n", sock.StdoutText);
    }
}
