using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>
/// `sock connect --ssl`: TLS over the connection, against ncat's and OpenSSL's own TLS servers and against a TLS 1.3
/// server in the test that answers only after the client's close_notify (the half-close done right over TLS).
/// </summary>
public sealed class TlsConnectTests
{
    /// <summary>A self-signed certificate for 127.0.0.1, ::1 and localhost, written as PEM files into <paramref name="dir"/>.</summary>
    internal sealed record TestCertificate(X509Certificate2 Certificate, string CertFile, string KeyFile);

    internal static TestCertificate MakeCertificate(TempDirectory dir, string name = "sock-test-server")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certFile = dir.File(name + ".pem");
        var keyFile = dir.File(name + ".key");
        File.WriteAllText(certFile, cert.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        // Reloaded through PKCS#12 so the key is usable by the TLS server on this platform.
        return new TestCertificate(X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null), certFile, keyFile);
    }

    internal static int FreePort(AddressFamily family)
    {
        using var s = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    internal static string Loopback(string transport) => transport == Transports.Tcp6 ? "::1" : "127.0.0.1";

    /// <summary>
    /// Accepts one connection, runs a TLS 1.3 server handshake, reads until the client's close_notify, and only then
    /// answers with the SHA-256 of what it read and closes: a reply that needs the client's half-close.
    /// </summary>
    private static async Task<string> HashServerAsync(Socket listener, X509Certificate2 cert)
    {
        using var conn = await listener.AcceptAsync();
        await using var tls = new SslStream(new NetworkStream(conn, ownsSocket: false));
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificate = cert,
            EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls13,
        });
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buf = new byte[65536];
        long total = 0;
        int n;
        while ((n = await tls.ReadAsync(buf)) > 0) { sha.AppendData(buf, 0, n); total += n; }
        var answer = $"{Convert.ToHexStringLower(sha.GetHashAndReset())} {total}\n";
        await tls.WriteAsync(Encoding.ASCII.GetBytes(answer));
        await tls.ShutdownAsync();
        conn.Shutdown(SocketShutdown.Send);
        return answer;
    }

    /// <summary>A <see cref="HashServerAsync"/> on <paramref name="transport"/>: its target, and the answer it will have sent.</summary>
    private sealed class HashServer : IDisposable
    {
        private readonly TempDirectory _dir = new("sock-tls-");
        private readonly Socket _listener;

        public HashServer(string transport)
        {
            Certificate = MakeCertificate(_dir);
            (_listener, Target) = Net.TestListener(transport);
            Answer = HashServerAsync(_listener, Certificate.Certificate);
        }

        public TestCertificate Certificate { get; }
        public Target Target { get; }
        public Task<string> Answer { get; }

        public void Dispose()
        {
            _listener.Dispose();
            _dir.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_tls_session_sends_everything_half_closes_and_reads_the_reply(string transport)
    {
        using var server = new HashServer(transport);
        var (cert, target) = (server.Certificate, server.Target);
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        await using var sock = RunningProcess.Sock(["--trace", "connect", "--ssl", "-v", .. target.ConnectArgs]);
        await sock.Stdin.WriteAsync(data);
        sock.CloseStdin();
        Assert.True(await sock.WaitForExitAsync() == 0, string.Join('\n', sock.StderrLines));
        await server.Answer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(data))} {data.Length}\n", sock.StdoutText);
        Assert.Contains(sock.StderrLines, l => l.StartsWith("TLS session: TLS 1.3, ", StringComparison.Ordinal) && l.EndsWith("certificate not verified (--ssl-verify checks it)", StringComparison.Ordinal));
        Assert.Contains($"Certificate: CN=sock-test-server, issued by CN=sock-test-server", string.Join('\n', sock.StderrLines));
        Assert.Contains($"SHA-256 fingerprint: {Convert.ToHexString(cert.Certificate.GetCertHash(HashAlgorithmName.SHA256))}", sock.StderrLines);
        // The session's records go through the traced socket; TLS's zero-byte reads are not taken for the peer's close,
        // which comes once, at the end.
        Assert.Contains(sock.StderrLines, l => l.Contains(" send(", StringComparison.Ordinal));
        var closes = sock.StderrLines.Where(l => l.Contains("(peer closed its side)", StringComparison.Ordinal)).ToList();
        Assert.True(closes.Count <= 1, string.Join('\n', closes));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_program_run_with_sh_exec_talks_through_the_tls_session(string transport)
    {
        using var server = new HashServer(transport);
        var target = server.Target;
        // The program writes 100,000 zero bytes, closes its output, and reads the server's answer, which comes only then.
        var run = await SockRunner.RunAsync(["connect", "--ssl", "-c", "head -c 100000 /dev/zero; exec 1>&-; head -n 1 >&2", .. target.ConnectArgs], "");
        Assert.True(run.ExitCode == 0, run.ToString());
        var expected = $"{Convert.ToHexStringLower(SHA256.HashData(new byte[100_000]))} 100000\n";
        Assert.Equal(expected, await server.Answer.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains(expected.TrimEnd(), run.Stderr);
    }

    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    public async Task ncat_ssl_listeners_receive_what_sock_sends_and_send_what_sock_receives(string transport)
    {
        Assert.True(ExternalTool.Exists("ncat"), "ncat is needed for this test");
        var host = Loopback(transport);
        var data = RandomNumberGenerator.GetBytes(512 * 1024 + 3);

        // sock → ncat: ncat makes its own temporary certificate, as `ncat --ssl -l` does.
        var port = FreePort(transport == Transports.Tcp6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        await using (var ncat = RunningProcess.Tool("ncat", hashStdout: true, "--ssl", "-l", host, port.ToString()))
        {
            await Net.WaitListeningAsync(transport, port, null);
            await using var sock = RunningProcess.Sock("connect", "--ssl", host, port.ToString());
            await sock.Stdin.WriteAsync(data);
            sock.CloseStdin();
            Assert.True(await sock.WaitForExitAsync() == 0, string.Join('\n', sock.StderrLines));
            await ncat.WaitForExitAsync();
            Assert.Equal((Convert.ToHexStringLower(SHA256.HashData(data)), (long)data.Length), ((await ncat.Stdout).Sha256, (await ncat.Stdout).Length));
        }

        // ncat → sock: ncat sends its stdin and closes.
        port = FreePort(transport == Transports.Tcp6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        await using (var ncat = RunningProcess.Tool("ncat", hashStdout: false, "--ssl", "--send-only", "-l", host, port.ToString()))
        {
            // ncat reads its stdin only once a client is there: feed it alongside, not before.
            var feed = Task.Run(async () =>
            {
                await ncat.Stdin.WriteAsync(data);
                ncat.CloseStdin();
            });
            await Net.WaitListeningAsync(transport, port, null);
            await using var sock = RunningProcess.SockHashed("connect", "--ssl", "--recv-only", host, port.ToString());
            await feed.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(await sock.WaitForExitAsync() == 0, string.Join('\n', sock.StderrLines));
            Assert.Equal((Convert.ToHexStringLower(SHA256.HashData(data)), (long)data.Length), ((await sock.Stdout).Sha256, (await sock.Stdout).Length));
        }
    }

    [Theory]
    [InlineData(Transports.Tcp4)]
    [InlineData(Transports.Tcp6)]
    public async Task ssl_verify_refuses_an_untrusted_certificate_or_a_wrong_name_and_accepts_a_trusted_one(string transport)
    {
        Assert.True(ExternalTool.Exists("ncat"), "ncat is needed for this test");
        using var dir = new TempDirectory("sock-tls-");
        var cert = MakeCertificate(dir);
        var host = Loopback(transport);
        var family = transport == Transports.Tcp6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

        async Task<(SockRun Sock, string Received)> Attempt(params string[] tls)
        {
            var port = FreePort(family);
            await using var ncat = RunningProcess.Tool("ncat", hashStdout: false, "--ssl", "--ssl-cert", cert.CertFile, "--ssl-key", cert.KeyFile, "-l", host, port.ToString());
            await Net.WaitListeningAsync(transport, port, null);
            var run = await SockRunner.RunAsync(["connect", .. tls, host, port.ToString()], "secret\n");
            if (run.ExitCode == 0) await ncat.WaitForExitAsync();
            return (run, run.ExitCode == 0 ? ncat.StdoutText : "");
        }

        var untrusted = await Attempt("--ssl-verify");
        Assert.True(untrusted.Sock.ExitCode == 1, untrusted.Sock.ToString());
        var line = Assert.Single(untrusted.Sock.StderrLines);
        Assert.StartsWith($"sock: TLS handshake with {(transport == Transports.Tcp6 ? "[::1]" : "127.0.0.1")}:", line);
        Assert.Contains("failed: the certificate is not trusted (", line);

        var trusted = await Attempt("--ssl-verify", "--ssl-trustfile", cert.CertFile);
        Assert.True(trusted.Sock.ExitCode == 0, trusted.Sock.ToString());
        Assert.Equal("secret\n", trusted.Received);

        var named = await Attempt("--ssl-verify", "--ssl-trustfile", cert.CertFile, "--ssl-servername", "localhost");
        Assert.True(named.Sock.ExitCode == 0, named.Sock.ToString());

        var wrongName = await Attempt("--ssl-verify", "--ssl-trustfile", cert.CertFile, "--ssl-servername", "db.example");
        Assert.True(wrongName.Sock.ExitCode == 1, wrongName.Sock.ToString());
        Assert.EndsWith("failed: the certificate (CN=sock-test-server) is not for db.example", Assert.Single(wrongName.Sock.StderrLines));
    }

    [Theory]
    [InlineData(Transports.Tcp4, "")]
    [InlineData(Transports.Tcp6, "")]
    [InlineData(Transports.Unix, "")]
    [InlineData(Transports.Tcp4, "--no-shutdown")]
    public async Task the_session_ends_with_close_notify_not_a_cut_connection(string transport, string option)
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-tls-");
        var cert = MakeCertificate(dir);
        var host = Loopback(transport);
        var port = transport == Transports.Unix ? 0 : FreePort(transport == Transports.Tcp6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        var path = transport == Transports.Unix ? dir.File("s.sock") : null; // short: s_server -unix refuses long paths
        string[] accept = path is not null ? ["-unix", path] : ["-accept", $"{(transport == Transports.Tcp6 ? "[::1]" : host)}:{port}"];
        string[] target = path is not null ? ["-U", path] : [host, port.ToString()];
        // s_server says DONE when the client's close_notify arrives, and "unexpected eof" when the connection just ends.
        await using var openssl = RunningProcess.Tool("openssl", hashStdout: false, ["s_server", .. accept, "-naccept", "1", "-cert", cert.CertFile, "-key", cert.KeyFile]);
        await Net.WaitListeningAsync(transport, port, path);
        var run = await SockRunner.RunAsync(["connect", "--ssl", "-q", "500ms", .. option.Length > 0 ? new[] { option } : [], .. target], "over tls\n");
        Assert.True(run.ExitCode == 0, run.ToString());
        openssl.CloseStdin();
        await openssl.WaitForExitAsync();
        var said = openssl.StdoutText + string.Join('\n', openssl.StderrLines);
        Assert.Contains("over tls\nDONE\n", said);
        Assert.DoesNotContain("unexpected eof", said);
    }

    [Fact]
    public async Task over_a_unix_socket_ssl_verify_needs_the_name_to_check()
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-tls-");
        var cert = MakeCertificate(dir);
        var attempts = 0;
        async Task<SockRun> Attempt(params string[] tls)
        {
            // Short names: OpenSSL's -unix refuses paths much shorter than sun_path's 108 bytes.
            var path = dir.File($"{++attempts}.sock");
            await using var openssl = RunningProcess.Tool("openssl", hashStdout: false, "s_server", "-unix", path, "-naccept", "1",
                "-cert", cert.CertFile, "-key", cert.KeyFile, "-quiet");
            await Net.WaitListeningAsync(Transports.Unix, 0, path);
            return await SockRunner.RunAsync(["connect", "-q", "300ms", .. tls, "-U", path], "hi\n");
        }
        var unnamed = await Attempt("--ssl-verify", "--ssl-trustfile", cert.CertFile);
        Assert.Equal(1, unnamed.ExitCode);
        Assert.EndsWith("failed: the certificate (CN=sock-test-server) cannot be matched to a Unix socket: give the name it carries with --ssl-servername",
            Assert.Single(unnamed.StderrLines));
        var named = await Attempt("--ssl-verify", "--ssl-trustfile", cert.CertFile, "--ssl-servername", "localhost");
        Assert.True(named.ExitCode == 0, named.ToString());
    }

    [Fact]
    public async Task alpn_is_offered_and_a_client_certificate_is_presented_to_an_openssl_server()
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-tls-");
        var server = MakeCertificate(dir);
        var client = MakeCertificate(dir, "sock-test-client");

        async Task<(SockRun Sock, IReadOnlyList<string> Server)> Attempt(params string[] tls)
        {
            var port = FreePort(AddressFamily.InterNetwork);
            // -Verify 1: a client certificate is required, and must chain to -CAfile.
            await using var openssl = RunningProcess.Tool("openssl", hashStdout: false, "s_server", "-accept", $"127.0.0.1:{port}", "-naccept", "1",
                "-cert", server.CertFile, "-key", server.KeyFile, "-alpn", "h2,http/1.1", "-Verify", "1", "-CAfile", client.CertFile, "-verify_return_error");
            await Net.WaitListeningAsync(Transports.Tcp4, port, null);
            var run = await SockRunner.RunAsync(["connect", "-v", "-q", "1s", .. tls, "127.0.0.1", port.ToString()], "hello\n");
            await openssl.WaitForExitAsync();
            return (run, openssl.StderrLines.Concat(openssl.StdoutText.Split('\n')).ToList());
        }

        var without = await Attempt("--ssl", "--ssl-alpn", "h2");
        Assert.True(without.Sock.ExitCode == 1, without.Sock.ToString());
        // TLS 1.3: the handshake is over for the client before the server checks; its refusal is an alert after it.
        var refused = Assert.Single(without.Sock.StderrLines, l => l.StartsWith("sock: ", StringComparison.Ordinal));
        Assert.Contains("TLS", refused);
        Assert.Contains("alert certificate required", refused);

        var with = await Attempt("--ssl-cert", client.CertFile, "--ssl-key", client.KeyFile, "--ssl-alpn", "h2");
        Assert.True(with.Sock.ExitCode == 0, with.Sock.ToString());
        Assert.Contains(with.Sock.StderrLines, l => l.StartsWith("TLS session: ", StringComparison.Ordinal) && l.Contains(", ALPN h2,", StringComparison.Ordinal));
        Assert.Contains(with.Server, l => l.Contains("CN = sock-test-client", StringComparison.Ordinal) || l.Contains("CN=sock-test-client", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_peer_that_does_not_speak_tls_is_a_one_line_error_and_a_silent_one_times_out()
    {
        var (talker, target) = Net.TestListener(Transports.Tcp4);
        using var _ = talker;
        var banner = Task.Run(async () =>
        {
            using var c = await talker.AcceptAsync();
            await c.SendAsync("SSH-2.0-OpenSSH_9.2\r\n"u8.ToArray());
            await Task.Delay(5000);
        });
        var run = await SockRunner.RunAsync(["connect", "--ssl", .. target.ConnectArgs], "");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"sock: TLS handshake with 127.0.0.1:{target.Port} failed: the peer does not speak TLS (its answer is not a TLS record)", Assert.Single(run.StderrLines));

        var (silent, quiet) = Net.TestListener(Transports.Tcp4);
        using var __ = silent;
        var run2 = await SockRunner.RunAsync(["connect", "--ssl", "-w", "1s", .. quiet.ConnectArgs], "");
        Assert.Equal(1, run2.ExitCode);
        Assert.Equal($"sock: TLS handshake with 127.0.0.1:{quiet.Port} failed: timed out after 1s", Assert.Single(run2.StderrLines));
    }

    [Theory]
    [InlineData("connect --ssl -u 127.0.0.1 9", "--ssl -u")]
    [InlineData("connect --ssl -z 127.0.0.1 9", "--ssl -z")]
    [InlineData("connect --ssl-key k.pem 127.0.0.1 9", "--ssl-key")]
    [InlineData("nc --ssl-ciphers ALL 127.0.0.1 9", "--ssl-ciphers")]
    [InlineData("listen --ssl -u 127.0.0.1 0", "--ssl -u")]
    [InlineData("listen --ssl-servername x 127.0.0.1 0", "--ssl-servername")]
    [InlineData("nc -l --ssl-servername x 9", "--ssl-servername")]
    [InlineData("listen --ssl-trustfile /etc/hostname 127.0.0.1 0", "--ssl-verify")]
    [InlineData("nc -l --ssl --ssl-trustfile /etc/hostname 9", "--ssl-verify")]
    [InlineData("serve echo --ssl-trustfile /etc/hostname --port 0", "--ssl-verify")]
    [InlineData("listen --ssl-cert /nonexistent/cert.pem 127.0.0.1 0", "/nonexistent/cert.pem")]
    public async Task tls_options_that_cannot_apply_connecting_or_listening_are_usage_errors(string args, string named)
    {
        Assert.Contains(named, await SockRunner.UsageErrorAsync(args));
    }
}
