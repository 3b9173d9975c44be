using Sock.Tests.Support;

namespace Sock.Tests.Netcat;

/// <summary>Plain --ssl, as ncat's, does not check the server's certificate; sock says so on stderr so nobody is exposed unawares.</summary>
public class TlsUnverifiedWarningTests
{
    private const string Warning = "TLS: certificate not verified; use --ssl-verify to check it";

    private static async Task<SockRun> ConnectAsync(TempDirectory dir, TlsConnectTests.TestCertificate cert, params string[] tls)
    {
        var port = TlsConnectTests.FreePort(System.Net.Sockets.AddressFamily.InterNetwork);
        await using var openssl = RunningProcess.Tool("openssl", hashStdout: false, "s_server", "-accept", $"127.0.0.1:{port}", "-naccept", "1",
            "-cert", cert.CertFile, "-key", cert.KeyFile, "-quiet");
        await Net.WaitListeningAsync(Transports.Tcp4, port, null);
        return await SockRunner.RunAsync(["connect", "-q", "300ms", .. tls, "127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], "hi\n");
    }

    [Fact]
    public async Task connecting_with_ssl_and_no_verification_says_so_once()
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-tls-");
        var cert = TlsConnectTests.MakeCertificate(dir);
        var run = await ConnectAsync(dir, cert, "--ssl");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(Warning, Assert.Single(run.StderrLines));
    }

    [Fact]
    public async Task a_verified_session_has_no_warning()
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-tls-");
        var cert = TlsConnectTests.MakeCertificate(dir);
        var run = await ConnectAsync(dir, cert, "--ssl-verify", "--ssl-trustfile", cert.CertFile);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.StderrLines);
    }
}
