using System.Net;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Forwarding;

namespace Sock.Tests.Forwarding;

/// <summary>The one endpoint spelling of forward (and socat's mapping onto it): what each form means on either side, and what is refused.</summary>
public sealed class ForwardEndpointTests
{
    [Theory]
    [InlineData("8080", "tcp:8080", "[::]:8080", true)]
    [InlineData("tcp:8080", "tcp:8080", "[::]:8080", true)]
    [InlineData("tcp4:8080", "tcp4:8080", "0.0.0.0:8080", false)]
    [InlineData("tcp6:8080", "tcp6:8080", "[::]:8080", false)]
    [InlineData("127.0.0.1:8080", "tcp:127.0.0.1:8080", "127.0.0.1:8080", false)]
    [InlineData("[::1]:8080", "tcp:[::1]:8080", "[::1]:8080", false)]
    [InlineData("tls:8443", "tls:8443", "[::]:8443", true)]
    [InlineData("tls:127.0.0.1:8443", "tls:127.0.0.1:8443", "127.0.0.1:8443", false)]
    [InlineData("udp:5353", "udp:5353", "[::]:5353", true)]
    [InlineData("udp4:127.0.0.1:5353", "udp4:127.0.0.1:5353", "127.0.0.1:5353", false)]
    [InlineData("0", "tcp:0", "[::]:0", true)]
    [InlineData("localhost:8080", "tcp:localhost:8080", "127.0.0.1:8080", false)]
    public void listening_spellings(string text, string canonical, string bind, bool dualMode)
    {
        var e = ForwardEndpoint.Parse(text, listening: true);
        Assert.Equal(canonical, e.ToString());
        Assert.Equal(bind, Sock.Core.Endpoints.EndpointText.Format(e.ListenEndPoint()));
        Assert.Equal(dualMode, e.ListensDualMode);
    }

    [Theory]
    [InlineData("unix:/run/app.sock", "/run/app.sock")]
    [InlineData("unix:@sock-abstract", "@sock-abstract")]
    public void unix_spellings(string text, string path)
    {
        var e = ForwardEndpoint.Parse(text, listening: true);
        Assert.Equal(ForwardScheme.Unix, e.Scheme);
        Assert.Equal(path, e.Path);
        Assert.Equal(text, e.ToString());
        Assert.IsType<UnixDomainSocketEndPoint>(e.ListenEndPoint());
    }

    [Theory]
    [InlineData("9090", ForwardScheme.Tcp, "localhost", 9090)]
    [InlineData("example.org:80", ForwardScheme.Tcp, "example.org", 80)]
    [InlineData("tcp:[::1]:80", ForwardScheme.Tcp, "::1", 80)]
    [InlineData("tls:example.org:443", ForwardScheme.Tls, "example.org", 443)]
    [InlineData("udp:127.0.0.1:53", ForwardScheme.Udp, "127.0.0.1", 53)]
    public void target_spellings(string text, ForwardScheme scheme, string host, int port)
    {
        var e = ForwardEndpoint.Parse(text, listening: false);
        Assert.Equal(scheme, e.Scheme);
        Assert.Equal(host, e.TargetHost);
        Assert.Equal(port, e.Port);
    }

    [Theory]
    [InlineData("", false, "is empty")]
    [InlineData("0", false, "port")]
    [InlineData("65536", true, "port")]
    [InlineData("80x", true, "port")]
    [InlineData("::1:80", false, "brackets")]
    [InlineData("sctp:1.2.3.4:80", false, "unknown scheme")]
    [InlineData("/run/app.sock", true, "unix:/run/app.sock")]
    [InlineData("unix:", true, "socket path")]
    [InlineData("tcp4:[::1]:80", false, "IPv4")]
    [InlineData("example.org:80", true, "not a name")]
    [InlineData("tcp:", true, "needs a port")]
    public void bad_spellings_are_usage_errors(string text, bool listening, string why)
    {
        var ex = Assert.Throws<SockException>(() => ForwardEndpoint.Parse(text, listening));
        Assert.Equal(SockErrorKind.Usage, ex.Kind);
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_unix_path_longer_than_sun_path_is_refused()
    {
        var ex = Assert.Throws<SockException>(() => ForwardEndpoint.Parse("unix:/" + new string('a', 120), listening: true));
        Assert.Contains("sun_path", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void an_ip_target_is_not_dual_mode_and_keeps_its_family()
    {
        var e = ForwardEndpoint.Parse("tcp6:[::1]:80", listening: false);
        Assert.Equal(AddressFamily.InterNetworkV6, e.Family);
        Assert.False(e.ListensDualMode);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 80), e.ListenEndPoint());
    }
}
