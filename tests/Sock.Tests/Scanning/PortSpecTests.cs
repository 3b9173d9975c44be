using Sock.Core.Errors;
using Sock.Core.Scanning;

namespace Sock.Tests.Scanning;

public class PortSpecTests
{
    [Fact]
    public void lists_and_ranges_are_sorted_and_unique() =>
        Assert.Equal([22, 80, 8000, 8001, 8002], PortSpec.Parse("8000-8002,80,22,8001,80"));

    [Theory]
    [InlineData("-")]
    [InlineData("1-65535")]
    [InlineData("-65535")]
    [InlineData("1-")]
    public void every_port_has_several_spellings(string spec)
    {
        var ports = PortSpec.Parse(spec == "-" ? PortSpec.All : spec);
        Assert.Equal(65535, ports.Count);
        Assert.Equal(1, ports[0]);
        Assert.Equal(65535, ports[^1]);
    }

    [Fact]
    public void open_ended_ranges_run_to_the_ends() =>
        Assert.Equal([1, 2, 3, 65534, 65535], PortSpec.Parse("-3,65534-"));

    [Fact]
    public void service_names_become_their_ports()
    {
        var ports = PortSpec.Parse("http,ssh,443");
        Assert.Equal([22, 80, 443], ports);
    }

    [Theory]
    [InlineData("70000", "out of range")]
    [InlineData("0", "out of range")]
    [InlineData("90-80", "reversed")]
    [InlineData("", "empty")]
    [InlineData(" ", "empty")]
    [InlineData("22,,80", "empty item")]
    [InlineData("80,", "empty item")]
    [InlineData("no-such-service-name", "unknown tcp service")]
    [InlineData("1-2+", "not a port number")]
    [InlineData("80;81", "not a port number or a service name")]
    public void bad_port_lists_are_usage_errors(string spec, string reason)
    {
        var ex = Assert.Throws<SockException>(() => PortSpec.Parse(spec));
        Assert.Equal(SockErrorKind.Usage, ex.Kind);
        Assert.Contains(reason, ex.Reason);
    }

    [Fact]
    public void format_writes_the_shortest_list() =>
        Assert.Equal("1-3,7,9-10", PortSpec.Format([1, 2, 3, 7, 9, 10]));

    [Fact]
    public void the_default_list_is_nmaps_top_thousand()
    {
        var tcp = TopPorts.Get("tcp");
        Assert.Equal(1000, tcp.Count);
        Assert.Equal(tcp.Order(), tcp);
        Assert.Equal(tcp.Distinct().Count(), tcp.Count);
        // nmap-services ranks http, telnet and https first.
        Assert.Equal([80, 23, 443], TopPorts.InRankOrder("tcp").Take(3));
        Assert.Contains(22, tcp);
        Assert.Equal(1000, TopPorts.Get("udp").Count);
        Assert.Contains(53, TopPorts.Get("udp", 10));
    }

    [Fact]
    public async Task the_default_list_is_the_one_nmap_scans()
    {
        if (!Support.ExternalTool.Exists("nmap")) return;
        // nmap's XML names the ports its default scan covers in scaninfo. The scan goes to a loopback address of
        // its own, which only wildcard listeners answer.
        var (code, xml, _) = await Support.ExternalTool.RunAsync("nmap", "-sT", "-n", "-Pn", "--max-retries", "0", "-oX", "-", "127.66.6.6");
        Assert.Equal(0, code);
        var doc = System.Xml.Linq.XDocument.Parse(xml);
        var services = doc.Descendants("scaninfo").First().Attribute("services")!.Value;
        Assert.Equal(PortSpec.Parse(services), TopPorts.Get("tcp"));
    }
}
