using Sock.Core.Snmp;

namespace Sock.Tests.Snmp;

public sealed class OidTests
{
    [Theory]
    [InlineData("1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.1.0")]
    [InlineData(".1.3.6.1.2.1.6.19", "1.3.6.1.2.1.6.19")]
    [InlineData("2.999.4294967295", "2.999.4294967295")]
    public void parses_dotted_numbers_and_formats_them_back(string text, string expected) =>
        Assert.Equal(expected, Oid.Parse(text).ToString());

    [Theory]
    [InlineData("", "empty")]
    [InlineData("1..3", "empty")]
    [InlineData("1.3.x", "not a number")]
    [InlineData("1.3.4294967296", "larger than 4294967295")]
    [InlineData("3.1", "first arc")]
    [InlineData("1.40", "second arc")]
    public void refuses_what_is_not_an_oid(string text, string reason)
    {
        Assert.False(Oid.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void refuses_more_than_128_arcs()
    {
        Assert.True(Oid.TryParse("1.3" + string.Concat(Enumerable.Repeat(".1", 126)), out _, out _));
        Assert.False(Oid.TryParse("1.3" + string.Concat(Enumerable.Repeat(".1", 127)), out _, out var error));
        Assert.Contains("128", error, StringComparison.Ordinal);
    }

    [Fact]
    public void orders_lexicographically_arc_by_arc_with_prefixes_first()
    {
        var sorted = new[] { "1.3.6.1.2.1.2", "1.3.6.1.2.1.10", "1.3.6.1.2.1", "1.3.6.1.2.1.2.1", "1.3.6.1.2.1.1.9.0" }
            .Select(Oid.Parse).Order().Select(o => o.ToString()).ToList();
        Assert.Equal(["1.3.6.1.2.1", "1.3.6.1.2.1.1.9.0", "1.3.6.1.2.1.2", "1.3.6.1.2.1.2.1", "1.3.6.1.2.1.10"], sorted);
        // Arcs compare as numbers, not as text: 4294967295 after 10.
        Assert.True(Oid.Parse("1.3.10") < Oid.Parse("1.3.4294967295"));
    }

    [Fact]
    public void starts_with_means_under_or_equal()
    {
        var tcp = Oid.Parse("1.3.6.1.2.1.6");
        Assert.True(Oid.Parse("1.3.6.1.2.1.6.19.1.7").StartsWith(tcp));
        Assert.True(tcp.StartsWith(tcp));
        Assert.False(Oid.Parse("1.3.6.1.2.1.60").StartsWith(tcp));
    }
}
