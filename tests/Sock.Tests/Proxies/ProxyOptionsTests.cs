using Sock.Core.Errors;
using Sock.Core.Proxies;

namespace Sock.Tests.Proxies;

/// <summary>What --proxy, --proxy-type, --proxy-auth and --proxy-dns read, and what they refuse.</summary>
public sealed class ProxyOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1:1080", "socks5", ProxyType.Socks5, "127.0.0.1", 1080)]
    [InlineData("127.0.0.1", "socks5", ProxyType.Socks5, "127.0.0.1", 1080)]
    [InlineData("127.0.0.1", null, ProxyType.Http, "127.0.0.1", 3128)]
    [InlineData("proxy.example:8080", "http", ProxyType.Http, "proxy.example", 8080)]
    [InlineData("[::1]:1081", "socks4", ProxyType.Socks4, "::1", 1081)]
    [InlineData("::1", "socks5", ProxyType.Socks5, "::1", 1080)]
    [InlineData("socks4a://10.0.0.1", null, ProxyType.Socks4a, "10.0.0.1", 1080)]
    [InlineData("http://[::1]:3129/", "socks5", ProxyType.Http, "::1", 3129)]
    [InlineData("socks5h://localhost:9050", null, ProxyType.Socks5, "localhost", 9050)]
    [InlineData("127.0.0.1:1080", "5", ProxyType.Socks5, "127.0.0.1", 1080)]
    [InlineData("127.0.0.1:1080", "connect", ProxyType.Http, "127.0.0.1", 1080)]
    public void one_proxy_is_read_with_ncats_defaults(string proxy, string? type, ProxyType expectedType, string host, int port)
    {
        var options = ProxyOptions.Parse(proxy, type);
        var spec = Assert.Single(options.Chain);
        Assert.Equal(expectedType, spec.Type);
        Assert.Equal(host, spec.Host);
        Assert.Equal(port, spec.Port);
        Assert.Null(spec.UserName);
        Assert.Equal(ProxyDns.Remote, options.Dns);
    }

    [Fact]
    public void a_comma_separated_list_is_a_chain_in_order_with_url_credentials_decoded()
    {
        var options = ProxyOptions.Parse("socks5://al%40ice:p%3Ass@127.0.0.1:1080,http://[::1]:3128,127.0.0.2:1081", "socks4");
        Assert.Collection(options.Chain,
            a => { Assert.Equal(ProxyType.Socks5, a.Type); Assert.Equal("al@ice", a.UserName); Assert.Equal("p:ss", a.Password); },
            b => { Assert.Equal(ProxyType.Http, b.Type); Assert.Equal("::1", b.Host); Assert.Null(b.UserName); },
            c => { Assert.Equal(ProxyType.Socks4, c.Type); Assert.Equal(1081, c.Port); });
        // The password never shows.
        Assert.Equal("socks5://al%40ice@127.0.0.1:1080,http://[::1]:3128,socks4://127.0.0.2:1081", options.ToString());
    }

    [Fact]
    public void proxy_auth_goes_to_the_proxies_without_a_user_of_their_own()
    {
        var options = ProxyOptions.Parse("socks5://u:p@127.0.0.1,127.0.0.2:1080", "socks5", "alice:s:e:cret");
        Assert.Equal(("u", "p"), (options.Chain[0].UserName, options.Chain[0].Password));
        Assert.Equal(("alice", "s:e:cret"), (options.Chain[1].UserName, options.Chain[1].Password));
    }

    [Fact]
    public void socks4_takes_a_user_id_alone()
    {
        var spec = Assert.Single(ProxyOptions.Parse("127.0.0.1", "socks4", "nobody").Chain);
        Assert.Equal("nobody", spec.UserName);
        Assert.Null(spec.Password);
    }

    [Theory]
    [InlineData("local", ProxyDns.Local)]
    [InlineData("remote", ProxyDns.Remote)]
    [InlineData("both", ProxyDns.Both)]
    [InlineData("NONE", ProxyDns.None)]
    public void proxy_dns_takes_ncats_four_words(string dns, ProxyDns expected) =>
        Assert.Equal(expected, ProxyOptions.Parse("127.0.0.1", "socks5", dns: dns).Dns);

    [Theory]
    [InlineData("", null, null, null, "no proxy host")]
    [InlineData("127.0.0.1:1080,", null, null, null, "an empty proxy")]
    [InlineData("127.0.0.1:0", null, null, null, "port")]
    [InlineData("127.0.0.1:65536", null, null, null, "port")]
    [InlineData("ftp://127.0.0.1", null, null, null, "unknown proxy scheme 'ftp'")]
    [InlineData("https://127.0.0.1", null, null, null, "not supported")]
    [InlineData("socks5://127.0.0.1/x", null, null, null, "no path")]
    [InlineData("127.0.0.1", "socks6", null, null, "must be one of socks4, socks4a, socks5, http")]
    [InlineData("127.0.0.1", "socks5", "alice", null, "SOCKS5 needs USER:PASS")]
    [InlineData("127.0.0.1", "http", "alice", null, "HTTP needs USER:PASS")]
    [InlineData("127.0.0.1", "socks5", ":pw", null, "user name must be 1 to 255 bytes")]
    [InlineData("127.0.0.1", "socks5", "u:", null, "password must be 1 to 255 bytes")]
    [InlineData("127.0.0.1", "socks5", null, "dns", "must be one of local, remote, both, none")]
    [InlineData("[::1", "socks5", null, null, "missing ']'")]
    public void malformed_proxy_options_are_usage_errors(string proxy, string? type, string? auth, string? dns, string reason)
    {
        var e = Assert.Throws<SockException>(() => ProxyOptions.Parse(proxy, type, auth, dns));
        Assert.Equal(SockErrorKind.Usage, e.Kind);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_socks5_user_name_over_255_bytes_is_refused_as_rfc_1929_says()
    {
        var e = Assert.Throws<SockException>(() => ProxyOptions.Parse("127.0.0.1", "socks5", new string('u', 256) + ":p"));
        Assert.Contains("RFC 1929", e.Message, StringComparison.Ordinal);
        Assert.Single(ProxyOptions.Parse("127.0.0.1", "socks5", new string('u', 255) + ":p").Chain);
    }

    [Theory]
    [InlineData(0, "succeeded")]
    [InlineData(1, "general SOCKS server failure (reply 1)")]
    [InlineData(2, "connection not allowed by ruleset (reply 2)")]
    [InlineData(3, "network unreachable (reply 3)")]
    [InlineData(4, "host unreachable (reply 4)")]
    [InlineData(5, "connection refused (reply 5)")]
    [InlineData(6, "TTL expired (reply 6)")]
    [InlineData(7, "command not supported (reply 7)")]
    [InlineData(8, "address type not supported (reply 8)")]
    [InlineData(9, "an unassigned reply code (reply 9)")]
    [InlineData(255, "an unassigned reply code (reply 255)")]
    public void every_socks5_reply_code_has_rfc_1928s_words(byte code, string text)
    {
        if (code == 0) Assert.Equal(text, Socks5ReplyText.Describe(code));
        else Assert.Equal(text, Socks5ReplyText.Reason(code));
    }
}
