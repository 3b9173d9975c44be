using Sock.Cli.Commands;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Proxies;

namespace Sock.Tests.Proxies;

/// <summary>sock nc's proxy options: ncat's --proxy* and OpenBSD nc's -X/-x.</summary>
public sealed class NcatProxyOptionsTests
{
    private static NetcatOptions P(params string[] args) => NcatCommandLine.Parse(args).Options;

    [Fact]
    public void ncats_proxy_options_make_the_proxy()
    {
        var o = P("--proxy", "127.0.0.1:1081", "--proxy-type", "socks5", "--proxy-auth", "u:p", "--proxy-dns", "local", "example.org", "22");
        var spec = Assert.Single(o.Proxy!.Chain);
        Assert.Equal((ProxyType.Socks5, "127.0.0.1", 1081, "u", "p"), (spec.Type, spec.Host, spec.Port, spec.UserName, spec.Password));
        Assert.Equal(ProxyDns.Local, o.Proxy.Dns);
        Assert.Equal(("example.org", 22), (o.Host, o.Port));
        Assert.Null(o.HexDumpFile);
    }

    [Fact]
    public void without_a_type_the_proxy_is_http_as_in_ncat() =>
        Assert.Equal(ProxyType.Http, Assert.Single(P("--proxy=10.0.0.1", "h", "80").Proxy!.Chain).Type);

    [Theory]
    [InlineData("5", ProxyType.Socks5, 1080)]
    [InlineData("4", ProxyType.Socks4, 1080)]
    [InlineData("connect", ProxyType.Http, 3128)]
    public void openbsd_dash_X_makes_dash_x_the_proxy_address(string type, ProxyType expected, int defaultPort)
    {
        // ssh's ProxyCommand: nc -X 5 -x proxy:1080 %h %p; -x before -X works too.
        var o = P("-x", "127.0.0.1", "-X", type, "target", "22");
        var spec = Assert.Single(o.Proxy!.Chain);
        Assert.Equal((expected, "127.0.0.1", defaultPort), (spec.Type, spec.Host, spec.Port));
        Assert.Null(o.HexDumpFile);
    }

    [Fact]
    public void without_dash_X_dash_x_stays_ncats_hex_dump()
    {
        var o = P("-x", "dump.txt", "target", "22");
        Assert.Equal("dump.txt", o.HexDumpFile);
        Assert.Null(o.Proxy);
    }

    [Theory]
    [InlineData("--proxy-type", "socks5", "h", "1")]
    [InlineData("--proxy-auth", "u:p", "h", "1")]
    [InlineData("-X", "5", "h", "1")]
    [InlineData("--proxy", "127.0.0.1", "-l", "8080")]
    [InlineData("--proxy", "127.0.0.1", "--proxy-type", "socks6", "h", "1")]
    [InlineData("-X", "5", "--proxy-type", "socks5", "--proxy", "127.0.0.1", "h", "1")]
    public void incomplete_or_contradictory_proxy_options_are_usage_errors(params string[] args)
    {
        var e = Assert.Throws<SockException>(() => P(args));
        Assert.Equal(SockErrorKind.Usage, e.Kind);
    }
}
