using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sock.Tests.Http;
using Sock.Tests.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.AspNetCore;

/// <summary>
/// HTTP/2 over TLS on Kestrel, with a test certificate: over sock's transport (both engines) and over Kestrel's own
/// sockets transport, the same app answers sock http and curl alike — HTTP/2 chosen by ALPN, the same status and
/// bodies, a 1 MiB upload hashed the same — so the transport changes nothing HTTP/2 and TLS see.
/// </summary>
public sealed class Http2TlsTests
{
    public static TheoryData<string> Servers => new()
    {
        Transports.Tcp4, Transports.Tcp6, Transports.Unix, Transports.Tcp4 + Engines.DotnetSuffix,
        Transports.Tcp4 + SockWebApp.KestrelSuffix, Transports.Tcp6 + SockWebApp.KestrelSuffix, Transports.Unix + SockWebApp.KestrelSuffix,
    };

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task sock_http_and_curl_get_the_same_http2_answers_over_tls(string name)
    {
        using var dir = new TempDirectory("sock-h2-tls-");
        var (certFile, keyFile) = await PythonHttpServer.MakeCertificateAsync(dir, "DNS:localhost,IP:127.0.0.1,IP:::1");
        using var certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        await using var app = await SockWebApp.StartAsync(name, certificate: certificate);
        var upload = dir.File("upload.bin");
        var bytes = new byte[1024 * 1024];
        Random.Shared.NextBytes(bytes);
        await File.WriteAllBytesAsync(upload, bytes);
        var expected = $"{bytes.Length} {Convert.ToHexStringLower(SHA256.HashData(bytes))}\n";

        var sock = await SockRunner.RunAsync(["http", "-v", "--http2", "--cacert", certFile, .. app.Curl("/", "https")], timeout: TimeSpan.FromSeconds(60));
        Assert.True(sock.ExitCode == 0, sock.ToString());
        Assert.Contains("> GET / HTTP/2", sock.StderrLines);
        Assert.Contains("< HTTP/2 200", sock.StderrLines);
        Assert.Contains(sock.StderrLines, l => l.StartsWith("* TLS session: TLS 1.3", StringComparison.Ordinal) && l.Contains("ALPN h2", StringComparison.Ordinal));
        var curl = await SockWebApp.CurlAsync(["--http2", "--cacert", certFile, "-w", "%{http_version} %{http_code}", .. app.Curl("/", "https")]);
        Assert.True(curl.ExitCode == 0, curl.ToString());
        Assert.Equal("hello from sock\n2 200", curl.Stdout);
        Assert.Equal("hello from sock\n", sock.Stdout);

        var sockPost = await SockRunner.RunAsync(["http", "--http2", "--cacert", certFile, "-d", "@" + upload, .. app.Curl("/sha256", "https")], timeout: TimeSpan.FromSeconds(60));
        var curlPost = await SockWebApp.CurlAsync(["--http2", "--cacert", certFile, "--data-binary", "@" + upload, .. app.Curl("/sha256", "https")]);
        Assert.True(sockPost.ExitCode == 0, sockPost.ToString());
        Assert.Equal(expected, curlPost.Stdout);
        Assert.Equal(expected, sockPost.Stdout);

        // Over sock's transport, the four clients' connections were its own (one each: HTTP/2 carries a request per stream).
        if (!name.EndsWith(SockWebApp.KestrelSuffix, StringComparison.Ordinal)) Assert.Equal(4, app.Table.TotalAccepted);
    }
}
