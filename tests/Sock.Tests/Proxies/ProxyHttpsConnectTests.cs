using System.Net.Sockets;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// `curl -x http://PROXY https://…` through `sock proxy`: curl asks for a CONNECT tunnel and runs TLS inside it, to an
/// https target the test runs (`openssl s_server -www`, its certificate made for the test), checked by curl against that
/// certificate (--cacert) and by name: the proxy carries the TLS bytes unchanged both ways. Proxy and target on IPv4 and
/// on IPv6 loopback.
/// </summary>
public sealed class ProxyHttpsConnectTests
{
    public static TheoryData<string> Ip => new() { Transports.Tcp4, Transports.Tcp6 };

    [Theory]
    [MemberData(nameof(Ip))]
    public async Task curl_fetches_an_https_target_through_the_proxys_connect_tunnel(string transport)
    {
        Assert.True(ExternalTool.Exists("openssl") && ExternalTool.Exists("curl"), "openssl and curl are needed for this test");
        using var dir = new TempDirectory("sock-proxy-https-");
        var cert = Sock.Tests.Netcat.TlsConnectTests.MakeCertificate(dir);
        var v6 = transport == Transports.Tcp6;
        var host = v6 ? "[::1]" : "127.0.0.1";
        var port = Sock.Tests.Netcat.TlsConnectTests.FreePort(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        // -www: each request is answered with a status page, over as many connections as come.
        await using var server = RunningProcess.Tool("openssl", false, "s_server", "-accept", $"{host}:{port}", "-www", "-cert", cert.CertFile, "-key", cert.KeyFile);
        await Net.WaitListeningAsync(transport, port, null);
        var (proxy, address) = await ProxyCommandTests.StartAsync($"{host}:0", "-v");
        await using var _ = proxy;

        foreach (var trust in new[] { "--cacert", "-k" })
        {
            string[] check = trust == "-k" ? ["-k"] : ["--cacert", cert.CertFile];
            var r = await ProcessRunner.RunAsync(["curl", "-sS", "--max-time", "20", .. check, "-x", $"http://{host}:{address.Port}",
                "-o", "-", "-w", "\n%{http_code} %{http_connect}\n", $"https://{host}:{port}/"], timeout: TimeSpan.FromSeconds(30));
            Assert.True(r.ExitCode == 0, $"{trust}: {r}; proxy: {string.Join(" | ", proxy.StderrLines)}; server: {string.Join(" | ", server.StderrLines)}");
            // The target's own page, and curl's account: 200 from the target, 200 from the proxy's CONNECT.
            Assert.Contains("s_server", r.Stdout, StringComparison.Ordinal);
            Assert.EndsWith("\n200 200\n", r.Stdout, StringComparison.Ordinal);
        }
        // The proxy's line for each (printed as its session ends): an HTTP CONNECT to the target, bytes both ways (the TLS
        // records it carried).
        var pattern = new System.Text.RegularExpressions.Regex($@"^#\d+ \S+ http connect (\S+)(?: -> \S+)?: up (\d+) bytes, down (\d+) bytes");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<System.Text.RegularExpressions.Match> lines;
        while ((lines = [.. proxy.StderrLines.Select(l => pattern.Match(l)).Where(m => m.Success)]).Count < 2 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.True(lines.Count == 2, string.Join(" | ", proxy.StderrLines));
        foreach (var line in lines)
        {
            Assert.Equal($"{host}:{port}", line.Groups[1].Value);
            Assert.True(long.Parse(line.Groups[2].Value) > 0 && long.Parse(line.Groups[3].Value) > 0, line.Value);
        }
    }
}
