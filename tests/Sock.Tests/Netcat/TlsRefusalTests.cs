using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Support;
using static Sock.Tests.Netcat.TlsConnectTests;

namespace Sock.Tests.Netcat;

/// <summary>
/// A TLS server that refuses the client's certificate must not look like a server that read the data and closed: sock's
/// server makes the refusal an error for its client (openssl s_client, ncat --ssl, sock), and sock's client takes a
/// session that ends without close_notify after it sent data as an error (exit 1, one line), as it takes OpenSSL's
/// certificate_required alert.
/// </summary>
public sealed class TlsRefusalTests
{
    /// <summary>
    /// stderr without the warning every unverified connection prints ("TLS: certificate not verified …"): these
    /// clients connect without --ssl-verify on purpose, and the refusal must still be one line of its own.
    /// </summary>
    private static IReadOnlyList<string> ErrorLines(Sock.Tests.Support.SockRun run)
    {
        Assert.Contains(run.StderrLines, l => l.StartsWith("TLS: certificate not verified", StringComparison.Ordinal));
        return [.. run.StderrLines.Where(l => !l.StartsWith("TLS: certificate not verified", StringComparison.Ordinal))];
    }

    /// <summary>sock listen --ssl-verify trusting only <paramref name="trusted"/>'s certificate.</summary>
    private static string[] VerifyingListener(TestCertificate server, TestCertificate trusted) =>
        ["--ssl-cert", server.CertFile, "--ssl-key", server.KeyFile, "--ssl-verify", "--ssl-trustfile", trusted.CertFile];

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task sock_connect_without_a_certificate_is_told_sock_listen_refused_it(string transport)
    {
        using var dir = new TempDirectory("sock-tls-refusal-");
        var server = MakeCertificate(dir);
        var client = MakeCertificate(dir, "sock-test-client");
        var (listener, target) = await Net.StartListenerAsync(transport, VerifyingListener(server, client));
        await using (listener)
        {
            var run = await SockRunner.RunAsync(["connect", "--ssl", .. target.ConnectArgs], stdin: "lost unless refused loudly\n",
                timeout: TimeSpan.FromSeconds(30));
            Assert.True(run.ExitCode == 1, run.ToString());
            var line = Assert.Single(ErrorLines(run));
            Assert.StartsWith("sock: ", line);
            Assert.DoesNotContain("internal error", line);
            Assert.Equal(1, await listener.WaitForExitAsync());
            Assert.Contains(listener.StderrLines, l => l.Contains("the client sent no certificate", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task openssl_s_client_and_ncat_without_a_certificate_hear_of_the_refusal()
    {
        Assert.True(ExternalTool.Exists("openssl") && ExternalTool.Exists("ncat"), "openssl and ncat are needed for this test");
        using var dir = new TempDirectory("sock-tls-refusal-");
        var server = MakeCertificate(dir);
        var client = MakeCertificate(dir, "sock-test-client");

        var (listener, target) = await Net.StartListenerAsync(Transports.Tcp4, VerifyingListener(server, client));
        await using (listener)
        {
            var ncat = await ProcessRunner.RunAsync(["ncat", "--ssl", "127.0.0.1", target.Port.ToString()], stdin: "hello\n",
                timeout: TimeSpan.FromSeconds(30));
            // ncat takes a plain close for the end of the server's reply and exits 0; a reset is an error to it.
            Assert.True(ncat.ExitCode != 0, ncat.ToString());
            Assert.Equal(1, await listener.WaitForExitAsync());
        }

        (listener, target) = await Net.StartListenerAsync(Transports.Tcp4, VerifyingListener(server, client));
        await using (listener)
        {
            var openssl = await ProcessRunner.RunAsync(["openssl", "s_client", "-connect", $"127.0.0.1:{target.Port}", "-quiet"],
                stdin: "hello\n", timeout: TimeSpan.FromSeconds(30));
            Assert.True(openssl.ExitCode != 0, openssl.ToString());
            // A reset (ECONNRESET, 104), where a plain close was OpenSSL's "unexpected eof while reading".
            Assert.Contains("errno=104", openssl.Stderr);
            Assert.Equal(1, await listener.WaitForExitAsync());
        }
    }

    [Fact]
    public async Task sock_connect_without_a_certificate_is_refused_by_openssl_s_server_with_its_alert()
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-tls-refusal-");
        var server = MakeCertificate(dir);
        var port = FreePort(AddressFamily.InterNetwork);
        await using var sServer = RunningProcess.Tool("openssl", false, "s_server", "-accept", $"127.0.0.1:{port}", "-cert", server.CertFile,
            "-key", server.KeyFile, "-Verify", "1", "-naccept", "1", "-quiet");
        await Net.WaitListeningAsync(Transports.Tcp4, port, null);
        var run = await SockRunner.RunAsync(["connect", "--ssl", "127.0.0.1", port.ToString()], stdin: "hello\n", timeout: TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 1, run.ToString());
        var line = Assert.Single(ErrorLines(run));
        Assert.Contains("certificate required", line);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_session_cut_without_close_notify_after_sock_sent_data_is_an_error(string transport)
    {
        using var dir = new TempDirectory("sock-tls-cut-");
        var cert = MakeCertificate(dir);
        var (listening, target) = Net.TestListener(transport);
        using var _ = listening;
        // Reads the first bytes, then closes the connection without close_notify, as a server that refuses does.
        var server = Task.Run(async () =>
        {
            using var conn = await listening.AcceptAsync();
            var tls = new SslStream(new NetworkStream(conn, ownsSocket: false));
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = cert.Certificate });
            var got = new StringBuilder();
            var buf = new byte[64];
            int n;
            while ((n = await tls.ReadAsync(buf)) > 0) got.Append(Encoding.ASCII.GetString(buf, 0, n)); // to the client's close_notify
            conn.Shutdown(SocketShutdown.Send); // FIN, and no close_notify before it
            while (await conn.ReceiveAsync(buf) > 0) { } // until the client closes, so nothing unread turns the close into a reset
            return got.ToString();
        });
        var run = await SockRunner.RunAsync(["connect", "--ssl", "-q", "5s", .. target.ConnectArgs], stdin: "cut\n", timeout: TimeSpan.FromSeconds(30));
        Assert.Equal("cut\n", await server.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(run.ExitCode == 1, run.ToString());
        var line = Assert.Single(ErrorLines(run));
        Assert.Contains("without close_notify", line);
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_session_the_peer_ends_with_close_notify_is_no_error(string transport)
    {
        using var dir = new TempDirectory("sock-tls-clean-");
        var cert = MakeCertificate(dir);
        var (listening, target) = Net.TestListener(transport);
        using var _ = listening;
        var server = Task.Run(async () =>
        {
            using var conn = await listening.AcceptAsync();
            await using var tls = new SslStream(new NetworkStream(conn, ownsSocket: false));
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = cert.Certificate });
            var buf = new byte[64];
            var n = await tls.ReadAsync(buf);
            await tls.WriteAsync(buf.AsMemory(0, n));
            await tls.ShutdownAsync();
            conn.Shutdown(SocketShutdown.Send);
            while (await conn.ReceiveAsync(buf) > 0) { } // until the client closes, so nothing unread turns the close into a reset
        });
        var run = await SockRunner.RunAsync(["connect", "--ssl", "-q", "5s", .. target.ConnectArgs], stdin: "fine\n", timeout: TimeSpan.FromSeconds(30));
        await server.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("fine\n", run.Stdout);
    }
}
