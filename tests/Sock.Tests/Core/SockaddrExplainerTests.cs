using Sock.Core.Endpoints;
using Sock.Core.Errors;

namespace Sock.Tests.Core;

public class SockaddrExplainerTests
{
    [Fact]
    public void ipv4_shows_every_byte_order()
    {
        var e = SockaddrExplainer.Explain("127.0.0.1:8080");
        Assert.Equal("AF_INET", e.Family);
        Assert.Equal("sockaddr_in", e.Struct);
        Assert.Equal(8080, e.Port);
        Assert.Equal("1F 90", e.PortNetworkBytes);
        Assert.Equal("0x901F (36895)", e.Htons);
        Assert.Equal("0x7F000001 (2130706433)", e.AddressValue);
        Assert.Equal("0x0100007F (16777343)", e.Htonl);
        Assert.Equal("7F 00 00 01", e.WireBytes);
        Assert.Equal("0100007F:1F90", e.ProcNet);
        Assert.Equal("02 00 1F 90 7F 00 00 01 00 00 00 00 00 00 00 00", e.StructBytes);
    }

    [Fact]
    public void ipv6_uses_the_tcp6_word_order()
    {
        var e = SockaddrExplainer.Explain("[::1]:443");
        Assert.Equal("AF_INET6", e.Family);
        Assert.Equal(28, e.StructSize);
        Assert.Equal("00000000000000000000000001000000:01BB", e.ProcNet);
    }

    [Theory]
    [InlineData("0100007F:1F90", "127.0.0.1:8080")]
    [InlineData("0101A8C0:0050", "192.168.1.1:80")]
    [InlineData("00000000000000000000000001000000:01BB", "[::1]:443")]
    [InlineData("0000000000000000FFFF00000100007F:0016", "[::ffff:127.0.0.1]:22")]
    public void proc_spellings_decode_back(string proc, string endpoint)
    {
        var e = SockaddrExplainer.Explain(proc);
        Assert.Equal("decode", e.Direction);
        Assert.Equal(endpoint.Replace("[::ffff:127.0.0.1]", "127.0.0.1"), e.Endpoint);
        Assert.Equal(proc, e.ProcNet);
    }

    [Fact]
    public void unix_paths_show_the_sun_path_limit()
    {
        var e = SockaddrExplainer.Explain("/run/x.sock");
        Assert.Equal("AF_UNIX", e.Family);
        Assert.Equal(11, e.PathBytes);
        Assert.Equal(107, e.PathLimit);
        Assert.StartsWith("01 00 2F", e.StructBytes);
        var tooLong = SockaddrExplainer.Explain("/" + new string('a', 200));
        Assert.Contains(tooLong.Notes, n => n.StartsWith("Too long", StringComparison.Ordinal));
    }

    [Fact]
    public void abstract_names_start_with_a_nul_byte() =>
        Assert.StartsWith("01 00 00 61 62", SockaddrExplainer.Explain("@ab").StructBytes);

    [Theory]
    [InlineData("")]
    [InlineData("999.1.1.1:80")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("hello")]
    [InlineData("[::1")]
    public void malformed_input_is_a_usage_error(string text) =>
        Assert.Equal(SockErrorKind.Usage, Assert.Throws<SockException>(() => SockaddrExplainer.Explain(text)).Kind);
}
