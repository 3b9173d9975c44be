using System.Net;
using Sock.Core.Inspection;
using Sock.Core.Inspection.Netlink;

namespace Sock.Tests.Inspection;

/// <summary>
/// The sock_diag parser over replies captured from a Linux 6.18 kernel (x86-64, little-endian) with a Python
/// capture script: one whole netlink message each, header included. The sockets were: a TCP listener on
/// 127.0.0.1:48051 and a client 127.0.0.1:50698 connected to it (asked with INET_DIAG_INFO and CONG), a TIME-WAIT
/// left by a client on port 43590, an IPv6-only listener on [::1]:37083, a UDP socket on [::]:42119, a Unix stream
/// listener at a path with spaces, an abstract Unix datagram socket, and one end of an unbound socketpair.
/// </summary>
public class SockDiagParserTests
{
    private const string Tcp4Listen =
        "a001000014000200010000006e570000020a0000bbb300007f000001000000000000000000000000000000000000000000000000000000000000000021100000000000000000000000000000050000000000000024460800050008000000000008000f00000000000c001500010000000000000006001600520000001c0102000a000000000000000000000000000000000000000000000000000000050000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000a0000000000000003000000000000000000000000000000ffffffffffffffffffffffffffffffff000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000800040062627200";
    private const string Tcp4EstabInfo =
        "a001000014000200010000006e57000002010000c60abbb37f0000010000000000000000000000007f0000010000000000000000000000000000000024100000000000000000000000000000000000000000000025460800050008000000000008000f00000000000c001500010000000000000006001600520000001c010200010000000007aa01e01c0300000000000080000018020000000000000000000000000000000000000000000034010000000000003401000034010000ffff0000d7ff0000160000000c000000ffffff7f0b000000cbff00000300000000000000d7ff0000000000004b1acf1309000000ffffffffffffffff06000000000000000000000000000000030000000200000000000000080000000000000001000000000024f400000000000000000000000000000000000000000000000000000000020000000000000005000000000000000000000000000000000000000000000000000000000001000000010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000800040062627200";
    private const string Tcp4Timewait =
        "6000000014000200010000006e57000002060300aa46d0597f0000010000000000000000000000007f00000100000000000000000000000000000000261000000000000094e900000000000000000000000000000000000008000f0000000000";
    private const string Tcp6ListenV6only =
        "8400000014000200010000006e5700000a0a000090db000000000000000000000000000000000001000000000000000000000000000000000000000027100000000000000000000000000000030000000000000027460800050008000000000005000b000100000008000f00000000000c00150001000000000000000600160012000000";
    private const string Udp6Any =
        "8400000014000200010000006e5700000a070000a487000000000000000000000000000000000000000000000000000000000000000000000000000028100000000000000000000000000000000000000000000028460800050008000000000005000b000000000008000f00000000000c00150001000000000000000600160010000000";
    private const string UnixListenPathSpaces =
        "6800000014000200010000006e57000001010a00c946080031100000000000002b0000002f746d702f69356361702f64697220776974682073706163652f6d7920736f636b2e736f636b00000c000400000000000200000005000600000000000800070000000000";
    private const string UnixDgramAbstract =
        "5400000014000200010000006e57000001020700ca4608003b100000000000001700000000736f636b2d746573742d6162737472616374000c000400000000000000000005000600000000000800070000000000";
    private const string UnixPairUnbound =
        "4400000014000200010000006e57000001010100cb4608002f1000000000000008000200cc4608000c000400000000000000000005000600000000000800070000000000";

    private static SocketTableEntry One(string hex, string netid = "tcp")
    {
        var rows = new List<SocketTableEntry>();
        var batch = SockDiagMessages.Parse(Convert.FromHexString(hex), netid, rows);
        Assert.False(batch.Done);
        return Assert.Single(rows);
    }

    [Fact]
    public void tcp4_listener_decodes_address_port_state_and_backlog()
    {
        var r = One(Tcp4Listen);
        Assert.Equal(("tcp", "LISTEN", IPAddress.Loopback, 48051, IPAddress.Any, 0), (r.Netid, r.State, r.LocalAddress, r.LocalPort, r.PeerAddress, r.PeerPort));
        Assert.Equal(5, r.SendQ); // the backlog
        Assert.Equal(0, r.RecvQ);
        Assert.NotEqual(0, r.Inode);
        Assert.Null(r.Timer);
    }

    [Fact]
    public void tcp4_connection_with_info_gives_tcp_internals_and_congestion()
    {
        var r = One(Tcp4EstabInfo);
        Assert.Equal(("ESTAB", 50698, 48051), (r.State, r.LocalPort, r.PeerPort));
        Assert.NotNull(r.Tcp);
        Assert.False(string.IsNullOrEmpty(r.Tcp!.Congestion));
        Assert.True(r.Tcp.Cwnd > 0);
        Assert.Equal(["ts", "sack"], r.Tcp.Options);
        Assert.True(r.Tcp.Mss > 0);
        Assert.Equal(5UL, r.Tcp.BytesAcked - 1); // "hello" plus the SYN
        Assert.NotEqual(0UL, r.Cookie);
    }

    [Fact]
    public void time_wait_has_no_inode_and_the_timewait_timer()
    {
        var r = One(Tcp4Timewait);
        Assert.Equal(("TIME-WAIT", 43590, 0L, 0), (r.State, r.LocalPort, r.Inode, r.Uid));
        Assert.Equal("timewait", r.Timer);
        Assert.InRange(r.TimerExpiresMs, 1, 60_000);
    }

    [Fact]
    public void ipv6_listener_reports_v6only()
    {
        var r = One(Tcp6ListenV6only);
        Assert.Equal((IPAddress.IPv6Loopback, 37083, (bool?)true), (r.LocalAddress, r.LocalPort, r.V6Only));
        Assert.True(r.IsIPv6);
        Assert.Equal(3, r.SendQ);
    }

    [Fact]
    public void udp6_wildcard_is_unconnected_and_dual_stack()
    {
        var r = One(Udp6Any, "udp");
        Assert.Equal(("udp", "UNCONN", IPAddress.IPv6Any, 42119, (bool?)false), (r.Netid, r.State, r.LocalAddress, r.LocalPort, r.V6Only));
    }

    [Fact]
    public void unix_listener_keeps_a_path_with_spaces()
    {
        var r = One(UnixListenPathSpaces, null!);
        Assert.Equal(("u_str", "LISTEN", "/tmp/i5cap/dir with space/my sock.sock", 542409L), (r.Netid, r.State, r.Path, r.Inode));
        Assert.Equal(2, r.SendQ);
    }

    [Fact]
    public void abstract_unix_name_gets_a_leading_at()
    {
        var r = One(UnixDgramAbstract, null!);
        Assert.Equal(("u_dgr", "UNCONN", "@sock-test-abstract", 542410L), (r.Netid, r.State, r.Path, r.Inode));
    }

    [Fact]
    public void unbound_unix_socket_has_no_path_and_names_its_peer()
    {
        var r = One(UnixPairUnbound, null!);
        Assert.Equal(("u_str", "ESTAB", (string?)null, 542411L, 542412L), (r.Netid, r.State, r.Path, r.Inode, r.PeerInode));
    }

    [Fact]
    public void several_messages_in_one_buffer_then_done()
    {
        var done = "140000000300020001000000000000000000000000"[..40];
        var buffer = Convert.FromHexString(Tcp4Timewait + Tcp4Listen + done);
        var rows = new List<SocketTableEntry>();
        var batch = SockDiagMessages.Parse(buffer, "tcp", rows);
        Assert.True(batch.Done);
        Assert.Equal(["TIME-WAIT", "LISTEN"], rows.Select(r => r.State));
    }

    [Fact]
    public void a_socket_a_later_part_of_the_dump_repeats_is_listed_once()
    {
        // The kernel resumes a dump's next part by hash position; a socket added between parts can shift an earlier
        // one into the next part again. The cookie says it is the same socket.
        var seen = new HashSet<ulong>();
        var rows = new List<SocketTableEntry>();
        SockDiagMessages.Parse(Convert.FromHexString(Tcp4Timewait + Tcp4Listen), "tcp", rows, seen);
        SockDiagMessages.Parse(Convert.FromHexString(Tcp4Listen), "tcp", rows, seen);
        Assert.Equal(["TIME-WAIT", "LISTEN"], rows.Select(r => r.State));
    }

    [Fact]
    public void an_error_message_carries_the_errno()
    {
        // nlmsgerr: error -EACCES (13) then the request's header.
        var error = "24000000020000000100000000000000" + "f3ffffff" + "20000000140001030100000000000000";
        var batch = SockDiagMessages.Parse(Convert.FromHexString(error), "tcp", []);
        Assert.Equal((true, 13), (batch.Done, batch.Errno));
    }

    [Fact]
    public void a_dump_that_cannot_start_ends_with_done_and_the_errno()
    {
        // Captured: the raw table asked of a kernel without raw_diag (NLMSG_DONE carrying -ENOENT).
        var batch = SockDiagMessages.Parse(Convert.FromHexString("140000000300020001000000a2090000feffffff"), "raw", []);
        Assert.Equal((true, 2), (batch.Done, batch.Errno));
    }

    [Fact]
    public void a_truncated_message_is_ignored_not_misread()
    {
        var rows = new List<SocketTableEntry>();
        SockDiagMessages.Parse(Convert.FromHexString(Tcp4Listen)[..60], "tcp", rows);
        Assert.Empty(rows);
    }

    [Fact]
    public void the_inet_request_is_what_ss_sends()
    {
        var req = SockDiagMessages.InetRequest(SockDiagMessages.AfInet6, SockDiagMessages.IpprotoTcp, 1u << 10, true, 7);
        Assert.Equal(72, req.Length);
        // idiag_ext 0x0e: INFO, VEGASINFO (which brings BBR's figures) and CONG, as strace shows `ss -tni` asking.
        Assert.Equal("48000000" + "1400" + "0103" + "07000000" + "00000000" + "0a06" + "0e00" + "00040000", Convert.ToHexString(req[..24]).ToLowerInvariant());
        Assert.Equal("ffffffffffffffff", Convert.ToHexString(req[^8..]).ToLowerInvariant());
    }

    [Fact]
    public void memory_requests_set_the_bits_ss_m_sets()
    {
        // idiag_ext: INET_DIAG_SKMEMINFO is attribute 7, asked for with bit 1 << 6; udiag_show: UDIAG_SHOW_MEMINFO 0x20.
        Assert.Equal(0x40, SockDiagMessages.InetRequest(SockDiagMessages.AfInet, SockDiagMessages.IpprotoUdp, 1, false, 1, memory: true)[18]);
        Assert.Equal(0x4e, SockDiagMessages.InetRequest(SockDiagMessages.AfInet, SockDiagMessages.IpprotoTcp, 1, true, 1, memory: true)[18]);
        Assert.Equal(0x0e, SockDiagMessages.InetRequest(SockDiagMessages.AfInet, SockDiagMessages.IpprotoTcp, 1, true, 1)[18]);
        Assert.Equal(0x75u, BitConverter.ToUInt32(SockDiagMessages.UnixRequest(1, 1, memory: true), 16 + 12));
        Assert.Equal(0x55u, BitConverter.ToUInt32(SockDiagMessages.UnixRequest(1, 1), 16 + 12));
    }

    [Fact]
    public void memory_info_reads_nine_counters_and_leaves_out_what_an_older_kernel_does_not_give()
    {
        static byte[] Words(params uint[] w) => w.SelectMany(BitConverter.GetBytes).ToArray();
        var m = SockDiagMessages.ParseMemInfo(Words(1, 2, 3, 4, 5, 6, 7, 8, 9))!;
        Assert.Equal((1L, 2L, 3L, 4L, 5L, 6L, 7L, (long?)8, (long?)9),
            (m.ReceiveAllocated, m.ReceiveBuffer, m.SendAllocated, m.SendBuffer, m.ForwardAllocated, m.SendQueued, m.OptionMemory, m.Backlog, m.Drops));
        var old = SockDiagMessages.ParseMemInfo(Words(1, 2, 3, 4, 5, 6, 7))!;
        Assert.Equal(((long?)null, (long?)null), (old.Backlog, old.Drops));
        Assert.Null(SockDiagMessages.ParseMemInfo(Words(1, 2, 3)));
    }

    [Fact]
    public void the_live_reader_gives_memory_only_when_asked()
    {
        using var l = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        l.Listen(7);
        l.ReceiveBufferSize = 100_000; // the kernel doubles it: rb200000
        var port = ((IPEndPoint)l.LocalEndPoint!).Port;
        var reader = new NetlinkSocketTableReader();
        var with = Assert.Single(reader.Read(new SocketTableQuery(SocketKinds.Tcp, 1u << SocketStates.Listen, Memory: true)), r => r.LocalPort == port);
        Assert.Equal(200_000, with.Memory!.ReceiveBuffer);
        var without = Assert.Single(reader.Read(new SocketTableQuery(SocketKinds.Tcp, 1u << SocketStates.Listen)), r => r.LocalPort == port);
        Assert.Null(without.Memory);
    }

    [Fact]
    public void the_live_reader_sees_a_listener_this_test_opens()
    {
        using var l = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        l.Listen(7);
        var port = ((IPEndPoint)l.LocalEndPoint!).Port;
        var rows = new NetlinkSocketTableReader().Read(new SocketTableQuery(SocketKinds.Tcp, 1u << SocketStates.Listen));
        var row = Assert.Single(rows, r => r.LocalPort == port);
        Assert.Equal(("LISTEN", 7L), (row.State, row.SendQ));
        Assert.All(rows, r => Assert.Equal("LISTEN", r.State));
    }
}
