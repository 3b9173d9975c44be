using System.Net;
using System.Net.Sockets;
using Sock.Core.Inspection;
using Sock.Core.Inspection.Netlink;

namespace Sock.Tests.Inspection;

/// <summary>/proc/net text in both byte orders and with timers, and the two Linux readers agreeing on live sockets.</summary>
public class ProcNetAndNetlinkTests
{
    [Theory]
    [InlineData("0100007F:1F90", true, "127.0.0.1", 8080)]
    [InlineData("7F000001:1F90", false, "127.0.0.1", 8080)]
    [InlineData("0102A8C0:0035", true, "192.168.2.1", 53)]
    [InlineData("C0A80201:0035", false, "192.168.2.1", 53)]
    [InlineData("00000000000000000000000001000000:01BB", true, "::1", 443)]
    [InlineData("00000000000000000000000000000001:01BB", false, "::1", 443)]
    [InlineData("0000000000000000FFFF00000100007F:0016", true, "::ffff:127.0.0.1", 22)]
    [InlineData("B80D0120000000000000000001000000:0050", true, "2001:db8::1", 80)]
    public void addresses_parse_in_either_host_byte_order(string text, bool littleEndian, string address, int port)
    {
        var (a, p) = ProcNetReader.ParseAddress(text, littleEndian);
        Assert.Equal((IPAddress.Parse(address), port), (a, p));
    }

    [Fact]
    public void tcp_timers_come_from_the_tr_and_when_columns()
    {
        const string text = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:1F91 0100007F:D875 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
               1: 0100007F:D874 0100007F:1F90 01 00000000:00000000 02:000002EE 00000002  1000        0 22509 1 0000000000000000 20 4 30 10 -1
               2: 0100007F:D876 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 22510 1 0000000000000000 20 4 30 10 -1
            """;
        var rows = ProcNetReader.ParseInet(text, "tcp").ToList();
        Assert.Equal(("timewait", 60_000L, 0), (rows[0].Timer, rows[0].TimerExpiresMs, rows[0].TimerRetransmits));
        Assert.Equal(("keepalive", 7_500L, 2), (rows[1].Timer, rows[1].TimerExpiresMs, rows[1].TimerRetransmits));
        Assert.Null(rows[2].Timer);
    }

    [Fact]
    public void unbound_unix_sockets_have_no_path()
    {
        var row = Assert.Single(ProcNetReader.ParseUnix("Num RefCount Protocol Flags Type St Inode Path\n0000000000000000: 00000002 00000000 00000000 0002 01 17009\n"));
        Assert.Equal(("u_dgr", (string?)null, 17009L), (row.Netid, row.Path, row.Inode));
    }

    [Fact]
    public void netlink_and_proc_readers_agree_on_a_live_listener_and_connection()
    {
        using var l = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        l.Listen();
        using var c = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        c.Connect(l.LocalEndPoint!);
        using var a = l.Accept();
        var port = ((IPEndPoint)l.LocalEndPoint!).Port;
        static List<(string, string, IPAddress?, int, IPAddress?, int, long)> Mine(IEnumerable<SocketTableEntry> rows, int port) => rows
            .Where(r => r.LocalPort == port || r.PeerPort == port)
            .Select(r => (r.Netid, r.State, r.LocalAddress, r.LocalPort, r.PeerAddress, r.PeerPort, r.Inode))
            .OrderBy(t => t.LocalPort).ThenBy(t => t.PeerPort).ToList();
        var fromNetlink = Mine(new NetlinkSocketTableReader().Read(SocketKinds.Tcp6), port);
        var fromProc = Mine(new ProcNetReader().Read(SocketKinds.Tcp6), port);
        Assert.Equal(3, fromNetlink.Count);
        Assert.Equal(fromProc, fromNetlink);
    }

    [Fact]
    public void the_machine_reader_uses_netlink_here()
    {
        var reader = SocketTableReaders.ForThisMachine();
        Assert.NotEmpty(reader.Read(SocketKinds.Unix));
        Assert.Equal("netlink sock_diag", reader.Source);
        Assert.Null(reader.Limitation);
    }

    [Fact]
    public void the_portable_reader_sees_a_listener_without_owners()
    {
        using var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        l.Listen();
        var port = ((IPEndPoint)l.LocalEndPoint!).Port;
        var row = Assert.Single(new IPGlobalPropertiesReader().Read(SocketKinds.Tcp4), r => r.LocalPort == port);
        Assert.Equal(("LISTEN", IPAddress.Loopback), (row.State, row.LocalAddress));
        Assert.Empty(row.Owners);
    }
}

/// <summary>When the kernel refuses netlink, the machine reader reads /proc/net and says what is missing.</summary>
public class SocketTableFallbackTests
{
    private sealed class RefusedNetlink : ISocketTableReader
    {
        public string Source => "netlink sock_diag";
        public IReadOnlyList<SocketTableEntry> Read(SocketKinds kinds) =>
            throw new NetlinkUnavailableException("cannot open a NETLINK_SOCK_DIAG socket: Permission denied", null);
    }

    [Fact]
    public void refused_netlink_falls_back_to_proc_net_and_says_so()
    {
        using var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        l.Listen();
        var port = ((IPEndPoint)l.LocalEndPoint!).Port;
        var reader = new SocketTableReaders(new RefusedNetlink(), new ProcNetReader());
        var rows = reader.Read(new SocketTableQuery(SocketKinds.Tcp4, 1u << SocketStates.Listen));
        Assert.Contains(rows, r => r.LocalPort == port && r.State == "LISTEN");
        Assert.All(rows, r => Assert.Equal("LISTEN", r.State));
        Assert.Equal("/proc/net", reader.Source);
        Assert.StartsWith("cannot open a NETLINK_SOCK_DIAG socket: Permission denied; read /proc/net instead", reader.Limitation);
    }
}
