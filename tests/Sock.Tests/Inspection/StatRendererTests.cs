using System.Net;
using Sock.Cli.Rendering;
using Sock.Core.Inspection;

namespace Sock.Tests.Inspection;

/// <summary>ss's spellings: addresses, ports and service names, timers, users:(…).</summary>
public class StatRendererTests
{
    [Theory]
    [InlineData("127.0.0.1", null, "127.0.0.1")]
    [InlineData("0.0.0.0", null, "0.0.0.0")]
    [InlineData("::1", false, "[::1]")]
    [InlineData("::", false, "*")]
    [InlineData("::", null, "*")]
    [InlineData("::", true, "[::]")]
    [InlineData("::ffff:127.0.0.1", false, "[::ffff:127.0.0.1]")]
    public void addresses_are_spelled_as_ss_spells_them(string address, bool? v6only, string expected) =>
        Assert.Equal(expected, StatRenderer.Address(IPAddress.Parse(address), v6only, 0));

    [Fact]
    public void a_device_bound_socket_names_its_interface() =>
        Assert.Equal("127.0.0.1%lo", StatRenderer.Address(IPAddress.Loopback, null, 1));

    [Theory]
    [InlineData(80, "tcp", false, "http")]
    [InlineData(53, "udp", false, "domain")]
    [InlineData(80, "tcp", true, "80")]
    [InlineData(0, "tcp", false, "*")]
    [InlineData(0, "udp", true, "*")]
    [InlineData(6, "raw", true, "6")]
    public void ports_are_service_names_unless_numeric(int port, string netid, bool numeric, string expected) =>
        Assert.Equal(expected, StatRenderer.Port(port, netid, numeric));

    [Theory]
    [InlineData(0, "0ms")]
    [InlineData(200, "200ms")]
    [InlineData(1500, "1.500ms")]
    [InlineData(12_345, "12sec")]
    [InlineData(60_000, "1min")]
    [InlineData(61_500, "1min1sec")]
    [InlineData(7_199_000, "119min")]
    public void timers_read_as_ss_prints_them(long ms, string expected) =>
        Assert.Equal(expected, StatRenderer.Timer(ms));

    [Fact]
    public void raw_ports_are_protocol_names_from_etc_protocols()
    {
        Assert.True(File.Exists("/etc/protocols"), "the system's protocol list is needed");
        Assert.Equal("icmp", StatRenderer.Port(1, "raw", numeric: false));
        Assert.Equal("ipv6-icmp", StatRenderer.Port(58, "raw", numeric: false));
    }

    [Fact]
    public void users_list_every_holder()
    {
        SocketOwner[] owners = [new(10, "nginx", 6), new(11, "nginx", 6)];
        Assert.Equal("users:((\"nginx\",pid=10,fd=6),(\"nginx\",pid=11,fd=6))", StatRenderer.Users(owners));
        Assert.Equal("", StatRenderer.Users([]));
    }

    [Fact]
    public void plain_rows_keep_ss_column_order_and_unix_inodes()
    {
        var layout = new StatLayout(Netid: true, State: true, Numeric: true, Processes: true, Extended: false, Timers: false, Info: false, Memory: false, Header: true);
        var rows = new[]
        {
            new SocketTableEntry { Netid = "u_str", State = "ESTAB", Inode = 5, PeerInode = 6, Path = "/run/a b.sock", Owners = [new(1, "x", 3)] },
            new SocketTableEntry { Netid = "tcp", State = "LISTEN", SendQ = 128, LocalAddress = IPAddress.Loopback, LocalPort = 8080, PeerAddress = IPAddress.Any },
        };
        var w = new StringWriter();
        StatRenderer.WritePlain(w, layout, rows);
        Assert.Equal("""
            Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
            u_str ESTAB  0      0      /run/a b.sock 5    * 6               users:(("x",pid=1,fd=3))
            tcp   LISTEN 0      128    127.0.0.1:8080     0.0.0.0:*

            """.Replace("\r", ""), w.ToString());
    }
}
