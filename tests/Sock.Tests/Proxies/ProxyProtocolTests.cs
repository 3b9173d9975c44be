using System.Text;
using Sock.Core.Proxies;

namespace Sock.Tests.Proxies;

/// <summary>The pieces of the proxy protocols checked against their RFCs' own examples.</summary>
public sealed class ProxyProtocolTests
{
    // RFC 7616 §3.9.1: Mufasa's request, answered with SHA-256 and with MD5.
    private static HttpAuthChallenge Rfc7616(string algorithm) => HttpAuthChallenge.ParseAll([
        $"Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm={algorithm}, "
        + "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""])[0];

    [Theory]
    [InlineData("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")]
    [InlineData("MD5", "8ca523f5e9506fed4657c9700eebdbec")]
    public void digest_answers_rfc_7616s_example(string algorithm, string response)
    {
        var answer = HttpProxyAuthorization.Answer(Rfc7616(algorithm), "Mufasa", "Circle of Life", "GET", "/dir/index.html",
            cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
        Assert.Contains($"response=\"{response}\"", answer, StringComparison.Ordinal);
        Assert.Contains("qop=auth, nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\"", answer, StringComparison.Ordinal);
        Assert.Contains("opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"", answer, StringComparison.Ordinal);
    }

    [Fact]
    public void basic_answers_rfc_7617s_example() =>
        Assert.Equal("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
            HttpProxyAuthorization.Answer(HttpAuthChallenge.ParseAll(["Basic realm=\"WallyWorld\""])[0], "Aladdin", "open sesame", "CONNECT", "x:1"));

    [Fact]
    public void several_challenges_in_one_field_are_told_apart()
    {
        var all = HttpAuthChallenge.ParseAll(["Basic realm=\"a, b\", Digest realm=\"r\", nonce=\"q\\\"x\", algorithm=MD5", "Newauth realm=\"n\""]);
        Assert.Equal(["Basic", "Digest", "Newauth"], all.Select(c => c.Scheme));
        Assert.Equal("a, b", all[0]["realm"]);
        Assert.Equal("q\"x", all[1]["nonce"]);
        Assert.Same(all[1], HttpProxyAuthorization.Choose(all));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 Connection established\r\n\r\n", 200, "Connection established")]
    [InlineData("HTTP/1.0 200\r\n\r\n", 200, "")]
    [InlineData("HTTP/1.1 407 \r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n", 407, "")]
    public void a_well_formed_reply_head_is_read(string head, int status, string reason)
    {
        var reply = HttpProxyReply.Parse(Encoding.Latin1.GetBytes(head), out var error);
        Assert.True(reply is not null, error);
        Assert.Equal((status, reason), (reply.Status, reply.Reason));
    }

    [Theory]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nName : value\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n\r\n")]
    public void a_malformed_reply_head_is_refused(string head) =>
        Assert.Null(HttpProxyReply.Parse(Encoding.Latin1.GetBytes(head), out _));

    [Theory]
    [InlineData("", "HTTP/1.1 200 OK\r\n\r\nDATA", 19)]
    [InlineData("HTTP/1.1 200 OK\r\n\r", "\nDATA", 1)]
    [InlineData("HTTP/1.1 200 OK\r\n", "\r\nDATA", 2)]
    [InlineData("HTTP/1.1 200 OK\r", "\n\r\nDATA", 3)]
    [InlineData("HTTP/1.1 200 OK", "\r\nX: y\r\n", 0)]
    public void the_end_of_a_head_is_found_where_it_straddles_two_reads(string before, string next, int take) =>
        Assert.Equal(take, ProxyConversation.EndOfHead([.. Encoding.ASCII.GetBytes(before)], Encoding.ASCII.GetBytes(next)));

    [Fact]
    public void socks_requests_are_laid_out_as_the_protocols_say()
    {
        Assert.Equal([5, 1, 0, 1, 10, 1, 2, 3, 0, 22], Socks5Handshake.Request(new ProxyDestination(System.Net.IPAddress.Parse("10.1.2.3"), null, 22)));
        Assert.Equal([5, 1, 0, 3, 3, (byte)'a', (byte)'.', (byte)'b', 0x01, 0xbb], Socks5Handshake.Request(new ProxyDestination(null, "a.b", 443)));
        Assert.Equal([4, 1, 0, 22, 10, 1, 2, 3, (byte)'u', 0], Socks4Handshake.Request(new ProxyDestination(System.Net.IPAddress.Parse("10.1.2.3"), null, 22), "u"));
        Assert.Equal([4, 1, 0, 22, 0, 0, 0, 1, 0, (byte)'h', 0], Socks4Handshake.Request(new ProxyDestination(null, "h", 22), null));
    }
}
