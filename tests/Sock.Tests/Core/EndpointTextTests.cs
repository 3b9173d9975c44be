using System.Net;
using Sock.Core.Endpoints;
using Sock.Core.Errors;

namespace Sock.Tests.Core;

public class EndpointTextTests
{
    [Theory]
    [InlineData("127.0.0.1:8080", "127.0.0.1", "8080")]
    [InlineData("[::1]:443", "::1", "443")]
    [InlineData("[::1]", "::1", null)]
    [InlineData("::1", "::1", null)]
    [InlineData("example.org:80", "example.org", "80")]
    [InlineData("localhost", "localhost", null)]
    public void split_separates_host_and_port(string text, string host, string? port) =>
        Assert.Equal((host, port), EndpointText.Split(text));

    [Theory]
    [InlineData("[::1")]
    [InlineData("[::1]x")]
    [InlineData("[::1]:")]
    public void split_rejects_broken_brackets(string text) =>
        Assert.Equal(SockErrorKind.Usage, Assert.Throws<SockException>(() => EndpointText.Split(text)).Kind);

    [Theory]
    [InlineData("1")]
    [InlineData("0x7f.1")]
    [InlineData("256.0.0.1")]
    [InlineData("1.2.3")]
    [InlineData("hello")]
    public void parse_address_accepts_only_real_address_spellings(string text) =>
        Assert.Throws<SockException>(() => EndpointText.ParseAddress(text));

    [Fact]
    public void format_shows_ipv4_mapped_addresses_as_ipv4() =>
        Assert.Equal("127.0.0.1:80", EndpointText.Format(new IPEndPoint(IPAddress.Loopback.MapToIPv6(), 80)));

    [Fact]
    public void format_brackets_ipv6() =>
        Assert.Equal("[::1]:80", EndpointText.Format(new IPEndPoint(IPAddress.IPv6Loopback, 80)));

    [Fact]
    public async Task resolver_refuses_names_under_no_dns()
    {
        var ex = await Assert.ThrowsAsync<SockException>(() => NameResolver.ResolveAsync("localhost", noDns: true));
        Assert.Equal(SockErrorKind.Usage, ex.Kind);
    }

    [Fact]
    public async Task resolver_returns_literals_without_lookup() =>
        Assert.Equal([IPAddress.IPv6Loopback], await NameResolver.ResolveAsync("[::1]", noDns: true));

    [Fact]
    public async Task resolver_rejects_a_literal_of_the_wrong_family() =>
        Assert.Equal(SockErrorKind.Usage, (await Assert.ThrowsAsync<SockException>(() =>
            NameResolver.ResolveAsync("::1", System.Net.Sockets.AddressFamily.InterNetwork))).Kind);

    [Fact]
    public async Task resolver_reports_an_unknown_name_as_a_network_error()
    {
        // .invalid is reserved (RFC 2606): it never resolves, and the lookup stays on this host's resolver.
        var ex = await Assert.ThrowsAsync<SockException>(() => NameResolver.ResolveAsync("no-such-host.invalid"));
        Assert.Equal(SockErrorKind.Network, ex.Kind);
    }
}
