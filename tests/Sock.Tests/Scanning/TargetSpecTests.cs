using System.Net;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Scanning;

namespace Sock.Tests.Scanning;

public class TargetSpecTests
{
    [Fact]
    public void an_ipv4_cidr_range_stands_for_every_address_in_it() =>
        Assert.Equal(["127.0.0.0", "127.0.0.1", "127.0.0.2", "127.0.0.3"],
            TargetSpec.ExpandRange("127.0.0.0/30").Select(a => a.ToString()));

    [Fact]
    public void the_host_bits_of_a_range_are_ignored() =>
        Assert.Equal(IPAddress.Parse("127.0.0.4"), TargetSpec.ExpandRange("127.0.0.6/30")[0]);

    [Fact]
    public void an_ipv6_cidr_range_works_the_same() =>
        Assert.Equal(["::", "::1", "::2", "::3"], TargetSpec.ExpandRange("::1/126").Select(a => a.ToString()));

    [Fact]
    public void a_single_address_range_is_the_address() =>
        Assert.Equal([IPAddress.Loopback], TargetSpec.ExpandRange("127.0.0.1/32"));

    [Theory]
    [InlineData("127.0.0.0/33", "prefix length")]
    [InlineData("::/129", "prefix length")]
    [InlineData("127.0.0.0/", "prefix length")]
    [InlineData("127.0.0.0/x", "prefix length")]
    [InlineData("127.0.0/24", "not an IPv4 or IPv6 address")]
    [InlineData("localhost/24", "not an IPv4 or IPv6 address")]
    [InlineData("127.0.0.0/8", "too large")]
    [InlineData("::/64", "too large")]
    public void bad_ranges_are_usage_errors(string range, string reason)
    {
        var ex = Assert.Throws<SockException>(() => TargetSpec.ExpandRange(range));
        Assert.Equal(SockErrorKind.Usage, ex.Kind);
        Assert.Contains(reason, ex.Reason);
    }

    [Fact]
    public async Task literals_names_and_ranges_resolve_without_duplicates()
    {
        var (targets, failures) = await TargetSpec.ResolveAsync(["127.0.0.1", "::1", "localhost", "127.0.0.0/31"], AddressFamily.Unspecified);
        Assert.Empty(failures);
        var addresses = targets.Select(t => t.Address.ToString()).ToList();
        Assert.Equal(addresses.Distinct(), addresses);
        Assert.Contains("127.0.0.1", addresses);
        Assert.Contains("::1", addresses);
        Assert.Contains("127.0.0.0", addresses);
        Assert.Null(targets.First(t => t.Input == "127.0.0.1").Name);
    }

    [Fact]
    public async Task a_name_keeps_its_name_beside_the_address()
    {
        var (targets, _) = await TargetSpec.ResolveAsync(["localhost"], AddressFamily.InterNetwork);
        var t = Assert.Single(targets);
        Assert.Equal("localhost", t.Name);
        Assert.True(IPAddress.IsLoopback(t.Address));
        Assert.Equal($"localhost ({t.Address})", t.ToString());
    }

    [Fact]
    public async Task a_family_mismatch_and_a_name_under_no_dns_are_usage_errors()
    {
        var ex = await Assert.ThrowsAsync<SockException>(() => TargetSpec.ResolveAsync(["::1"], AddressFamily.InterNetwork));
        Assert.Equal(SockErrorKind.Usage, ex.Kind);
        ex = await Assert.ThrowsAsync<SockException>(() => TargetSpec.ResolveAsync(["127.0.0.0/30"], AddressFamily.InterNetworkV6));
        Assert.Equal(SockErrorKind.Usage, ex.Kind);
        ex = await Assert.ThrowsAsync<SockException>(() => TargetSpec.ResolveAsync(["localhost"], noDns: true));
        Assert.Equal(SockErrorKind.Usage, ex.Kind);
    }
}
