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

    /// <summary>
    /// A question about ports bisects the embedded registry to its first line rather than reading it all: every port
    /// from the first line to the last, and ports either side of each range's edges, answer exactly what the
    /// registry's own lines say (read here from the source file, line by line).
    /// </summary>
    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("80")]
    [InlineData("1023-1025")]
    [InlineData("5060")]
    [InlineData("8000-8100")]
    [InlineData("49150-49153")]
    [InlineData("49150-65535")]
    [InlineData("0-65535")]
    public void a_port_question_answers_what_the_registry_lines_say(string ports)
    {
        var query = ServiceQuery.Parse(ports);
        var expected = File.ReadLines(Path.Combine(RepoPaths.Root, "src/Sock.Core/Services/iana-services.tsv"))
            .Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('\t'))
            .Where(f => int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture) is var p && p >= query.FirstPort && p <= query.LastPort)
            .Select(f => $"{f[0]}/{f[1]} {(f[2].Length > 0 ? f[2] : null)} {(f[3].Length > 0 ? f[3] : null)}")
            .Distinct().Order(StringComparer.Ordinal).ToList();
        var found = new ServiceRegistry(null).Lookup(query, ServiceSource.Iana)
            .Select(e => $"{e.Port}/{e.Protocol} {e.IanaName} {e.Description}").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(found);
        Assert.Equal(expected, found);
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
