using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// TLS on either side of `sock forward`: terminated (`tls:PORT`, a temporary certificate with its fingerprint printed,
/// or --cert/--key) for openssl s_client and ncat --ssl as clients; originated (`tls:HOST:PORT`, verified against --ca)
/// to openssl s_server and ncat --ssl -l; a target whose certificate is not trusted is a logged refusal of that client.
/// TLS runs over TCP: IPv4 and IPv6.
/// </summary>
public sealed class ForwardTlsTests
{
    public static TheoryData<string> Tcp => new() { Transports.Tcp4, Transports.Tcp6 };

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task openssl_s_client_talks_through_a_terminating_forwarder_with_a_temporary_certificate(string transport)
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-fwd-tls-");
        await using var echo = EchoTarget.Start(transport);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir, "tls"), echo.Spelling);
        var fingerprint = (await forward.Process.WaitForStderrAsync(@"^forward: TLS certificate: .*SHA-256 fingerprint ([0-9A-F]{64})$")).Groups[1].Value;
        var ip = (IPEndPoint)forward.Bound;
        await using var client = RunningProcess.Tool("openssl", false, "s_client", "-connect", Sock.Core.Endpoints.EndpointText.Format(ip), "-quiet");
        await client.Stdin.WriteAsync("hello through tls\n"u8.ToArray());
        await client.Stdin.FlushAsync();
        await client.WaitForStdoutAsync("hello through tls\n", 20);
        // The certificate s_client was shown is the one whose fingerprint the forwarder printed.
        await using var x = RunningProcess.Tool("openssl", false, "s_client", "-connect", Sock.Core.Endpoints.EndpointText.Format(ip), "-showcerts");
        x.CloseStdin();
        await x.WaitForExitAsync(20);
        var pem = x.StdoutText[x.StdoutText.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)..];
        pem = pem[..(pem.IndexOf("-----END CERTIFICATE-----", StringComparison.Ordinal) + "-----END CERTIFICATE-----".Length)];
        using var shown = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem);
        Assert.Equal(fingerprint, Convert.ToHexString(shown.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256)));
    }

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task ncat_ssl_talks_through_a_terminating_forwarder_with_cert_and_key(string transport)
    {
        Assert.True(ExternalTool.Exists("ncat"), "ncat is needed for this test");
        using var dir = new TempDirectory("sock-fwd-tls-");
        var cert = TlsConnectTests.MakeCertificate(dir);
        await using var echo = EchoTarget.Start(transport);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir, "tls"), echo.Spelling,
            "--cert", cert.CertFile, "--key", cert.KeyFile);
        var ip = (IPEndPoint)forward.Bound;
        // ncat's --ssl-verify checks DNS names only (an address is a verification error), so the certificate is checked
        // by its fingerprint in the forwarder's line instead.
        var fingerprint = Convert.ToHexString(cert.Certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
        await forward.Process.WaitForStderrAsync($"^forward: TLS certificate: CN=sock-test-server, SHA-256 fingerprint {fingerprint}$");
        Assert.DoesNotContain(forward.Process.StderrLines, l => l.Contains("temporary", StringComparison.Ordinal));
        await using var client = RunningProcess.Tool("ncat", false, "--ssl", ip.Address.ToString(), ip.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await client.Stdin.WriteAsync("hello via ncat\n"u8.ToArray());
        client.CloseStdin();
        Assert.Equal(0, await client.WaitForExitAsync(20));
        Assert.Equal("hello via ncat\n", client.StdoutText);
    }

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task a_forwarder_originates_tls_to_openssl_s_server_verified_against_the_ca(string transport)
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-fwd-tls-");
        var cert = TlsConnectTests.MakeCertificate(dir);
        var port = TlsConnectTests.FreePort(transport == Transports.Tcp6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        var host = transport == Transports.Tcp6 ? "[::1]" : "127.0.0.1";
        await using var server = RunningProcess.Tool("openssl", false, "s_server", "-accept", $"{host}:{port}", "-naccept", "1", "-rev",
            "-cert", cert.CertFile, "-key", cert.KeyFile);
        await Net.WaitListeningAsync(transport, port, null);
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), $"tls:{host}:{port}", "--ca", cert.CertFile, "-v");
        using var c = await forward.ConnectAsync();
        await c.SendAsync("hello over tls\n"u8.ToArray());
        Assert.Contains("slt revo olleh\n", await Net.ReadUntilAsync(c, "olleh\n", 20));
    }

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task a_forwarder_originates_tls_to_ncat_ssl_listening(string transport)
    {
        Assert.True(ExternalTool.Exists("ncat"), "ncat is needed for this test");
        using var dir = new TempDirectory("sock-fwd-tls-");
        var cert = TlsConnectTests.MakeCertificate(dir);
        var port = TlsConnectTests.FreePort(transport == Transports.Tcp6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        var host = TlsConnectTests.Loopback(transport);
        await using var server = RunningProcess.Tool("ncat", false, "--ssl", "--ssl-cert", cert.CertFile, "--ssl-key", cert.KeyFile,
            "-l", host, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Net.WaitListeningAsync(transport, port, null);
        var target = transport == Transports.Tcp6 ? $"tls:[{host}]:{port}" : $"tls:{host}:{port}";
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), target, "--ca", cert.CertFile);
        using var c = await forward.ConnectAsync();
        await c.SendAsync("to ncat\n"u8.ToArray());
        await server.WaitForStdoutAsync("to ncat\n", 20);
        await server.Stdin.WriteAsync("from ncat\n"u8.ToArray());
        await server.Stdin.FlushAsync();
        Assert.Contains("from ncat\n", await Net.ReadUntilAsync(c, "\n", 20));
    }

    [Theory]
    [MemberData(nameof(Tcp))]
    public async Task a_target_certificate_that_is_not_trusted_is_a_logged_refusal_of_that_client(string transport)
    {
        Assert.True(ExternalTool.Exists("openssl"), "openssl is needed for this test");
        using var dir = new TempDirectory("sock-fwd-tls-");
        var cert = TlsConnectTests.MakeCertificate(dir);
        var port = TlsConnectTests.FreePort(transport == Transports.Tcp6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        var host = transport == Transports.Tcp6 ? "[::1]" : "127.0.0.1";
        await using var server = RunningProcess.Tool("openssl", false, "s_server", "-accept", $"{host}:{port}", "-cert", cert.CertFile, "-key", cert.KeyFile, "-quiet");
        await Net.WaitListeningAsync(transport, port, null);
        // No --ca: checked against the system's roots, which do not hold the test's self-signed certificate.
        await using var forward = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), $"tls:{host}:{port}");
        using var c = await forward.ConnectAsync();
        await c.SendAsync("anyone?\n"u8.ToArray());
        // The client is closed; the forwarder says why and goes on.
        Assert.Empty(await Net.ReadToEndAsync(c, TimeSpan.FromSeconds(20)));
        var line = await forward.Process.WaitForStderrAsync(@"^#1 refused \S+: TLS handshake with \S+ failed: the certificate is not trusted");
        Assert.NotNull(line);
        // --insecure takes it anyway.
        await using var insecure = await ForwardProcess.StartAsync(ForwardPeers.ListenSpelling(transport, dir), $"tls:{host}:{port}", "--insecure");
        using var d = await insecure.ConnectAsync();
        await d.SendAsync("hello\n"u8.ToArray());
        await server.WaitForStdoutAsync("hello\n", 20);
    }
}
