using Sock.Core.Endpoints;
using Sock.Core.Errors;

namespace Sock.Tests.Core;

public class PortsTests
{
    [Theory]
    [InlineData("80", 80)]
    [InlineData("1", 1)]
    [InlineData("65535", 65535)]
    [InlineData(" 8080 ", 8080)]
    public void parse_accepts_ports_from_1_to_65535(string text, int expected) =>
        Assert.Equal(expected, Ports.Parse(text));

    [Theory]
    [InlineData("0", "reserved")]
    [InlineData("65536", "out of range")]
    [InlineData("-1", "out of range")]
    [InlineData("80x", "not a number")]
    [InlineData("99999999999", "out of range")]
    [InlineData("", "empty")]
    public void parse_rejects_bad_ports_as_usage_errors(string text, string reason)
    {
        var ex = Assert.Throws<SockException>(() => Ports.Parse(text));
        Assert.Equal(SockErrorKind.Usage, ex.Kind);
        Assert.Contains(reason, ex.Reason);
    }

    [Fact]
    public void parse_accepts_zero_where_allowed() => Assert.Equal(0, Ports.Parse("0", allowZero: true));

    [Theory]
    [InlineData(0, PortClass.WellKnown)]
    [InlineData(1023, PortClass.WellKnown)]
    [InlineData(1024, PortClass.Registered)]
    [InlineData(49151, PortClass.Registered)]
    [InlineData(49152, PortClass.Dynamic)]
    [InlineData(65535, PortClass.Dynamic)]
    public void classify_follows_the_iana_ranges(int port, PortClass expected) =>
        Assert.Equal(expected, Ports.Classify(port));

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("2s", 2000)]
    [InlineData("2", 2000)]
    [InlineData("1.5m", 90000)]
    [InlineData("1h", 3600000)]
    public void durations_read_ncat_time_syntax(string text, double ms) =>
        Assert.Equal(ms, Durations.Parse(text, "timeout").TotalMilliseconds);

    [Theory]
    [InlineData("abc")]
    [InlineData("ms")]
    [InlineData("5x")]
    public void durations_reject_what_is_not_a_time(string text) =>
        Assert.Equal(SockErrorKind.Usage, Assert.Throws<SockException>(() => Durations.Parse(text, "timeout")).Kind);
}
