using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Services;
using Sock.Tests.Support;

namespace Sock.Tests.Core;

public sealed class ServiceRegistryTests : IDisposable
{
    private const string CapturedServices = """
        # Network services, Internet style
        tcpmux		1/tcp				# TCP port service multiplexer
        echo		7/tcp
        echo		7/udp
        ssh		22/tcp				# SSH Remote Login Protocol
        domain		53/tcp				# Domain Name Server
        domain		53/udp
        http		80/tcp		www		# WorldWideWeb HTTP
        """;

    // The registry reads the file on first lookup, not when built, so the directory lives as long as the test.
    private readonly TempDirectory _dir = new("sock-services-");

    private ServiceRegistry Registry()
    {
        var path = _dir.File("services");
        File.WriteAllText(path, CapturedServices);
        return new ServiceRegistry(path);
    }

    [Fact]
    public void both_names_are_kept_where_both_databases_know_a_port()
    {
        var e = Assert.Single(Registry().Lookup(ServiceQuery.Parse("80/tcp")));
        Assert.Equal("http", e.SystemName);
        Assert.Equal("http", e.IanaName);
        Assert.Equal(["www"], e.SystemAliases);
        Assert.Equal("system+iana", e.Sources);
        Assert.Equal(PortClass.WellKnown, e.Class);
    }

    [Fact]
    public void names_and_aliases_find_ports() =>
        Assert.Contains(Registry().Lookup(ServiceQuery.Parse("www")), e => e.Port == 80 && e.Protocol == "tcp");

    [Fact]
    public void a_protocol_narrows_the_answer() =>
        Assert.All(Registry().Lookup(ServiceQuery.Parse("53/udp")), e => Assert.Equal("udp", e.Protocol));

    [Fact]
    public void ranges_list_every_known_port_in_them()
    {
        var ports = Registry().Lookup(ServiceQuery.Parse("20-25/tcp")).Select(e => e.Port).ToList();
        Assert.Contains(22, ports);
        Assert.Contains(25, ports);
        Assert.All(ports, p => Assert.InRange(p, 20, 25));
    }

    [Fact]
    public void the_system_source_alone_ignores_iana() =>
        Assert.Equal([7], Registry().Lookup(ServiceQuery.Parse("5-10/tcp"), ServiceSource.System).Select(e => e.Port));

    [Fact]
    public void it_works_where_there_is_no_services_file()
    {
        var r = new ServiceRegistry("/nonexistent/services");
        Assert.Null(r.SystemPath);
        Assert.Equal("ssh", r.NameOf(22, "tcp"));
        Assert.Equal(22, r.PortOf("ssh", "tcp"));
    }

    [Theory]
    [InlineData("70000")]
    [InlineData("-1")]
    [InlineData("abc/xyz")]
    [InlineData("80/sctpx")]
    [InlineData("90-80")]
    [InlineData("ht tp")]
    public void bad_queries_are_usage_errors(string text) =>
        Assert.Equal(SockErrorKind.Usage, Assert.Throws<SockException>(() => ServiceQuery.Parse(text)).Kind);

    public void Dispose() => _dir.Dispose();
}
