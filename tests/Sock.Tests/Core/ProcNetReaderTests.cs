using System.Net;
using Sock.Core.Inspection;

namespace Sock.Tests.Core;

public class ProcNetReaderTests
{
    // Captured from /proc/net/tcp and tcp6 on Linux 6.x (little-endian), trimmed to the fields the parser reads.
    private const string Tcp = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 22505 1 0000000000000000 100 0 0 10 0
           1: 0100007F:D874 0100007F:1F90 01 00000011:00000002 00:00000000 00000000  1000        0 22509 1 0000000000000000 20 4 30 10 -1
           2: 0100007F:1F91 0100007F:D875 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
        """;

    private const string Tcp6 = """
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000000000000000000001000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
        """;

    private const string Unix = """
        Num       RefCount Protocol Flags    Type St Inode Path
        0000000000000000: 00000002 00000000 00010000 0001 01 17001 /run/my socket.sock
        0000000000000000: 00000003 00000000 00000000 0001 03 17002
        0000000000000000: 00000002 00000000 00000000 0002 01 17003 @abstract-name
        0000000000000000: 00000002 00000000 00000000 0005 01 17004 /tmp/seq.sock
        """;

    [Fact]
    public void tcp_rows_decode_addresses_states_and_queues()
    {
        var rows = ProcNetReader.ParseInet(Tcp, "tcp").ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal(("LISTEN", IPAddress.Loopback, 8080, 22505L), (rows[0].State, rows[0].LocalAddress, rows[0].LocalPort, rows[0].Inode));
        Assert.Equal(("ESTAB", 0xD874, 8080, 0x11L, 2L, 1000), (rows[1].State, rows[1].LocalPort, rows[1].PeerPort, rows[1].SendQ, rows[1].RecvQ, rows[1].Uid));
        Assert.Equal("TIME-WAIT", rows[2].State);
    }

    [Fact]
    public void tcp6_rows_use_the_four_word_spelling()
    {
        var row = Assert.Single(ProcNetReader.ParseInet(Tcp6, "tcp"));
        Assert.Equal(IPAddress.IPv6Loopback, row.LocalAddress);
        Assert.Equal(443, row.LocalPort);
        Assert.True(row.IsIPv6);
    }

    [Theory]
    [InlineData(1, "ESTAB")]
    [InlineData(2, "SYN-SENT")]
    [InlineData(3, "SYN-RECV")]
    [InlineData(4, "FIN-WAIT-1")]
    [InlineData(5, "FIN-WAIT-2")]
    [InlineData(6, "TIME-WAIT")]
    [InlineData(7, "UNCONN")]
    [InlineData(8, "CLOSE-WAIT")]
    [InlineData(9, "LAST-ACK")]
    [InlineData(10, "LISTEN")]
    [InlineData(11, "CLOSING")]
    [InlineData(12, "SYN-RECV")]
    public void every_tcp_state_code_has_ss_name(int code, string name) =>
        Assert.Equal(name, ProcNetReader.TcpStateName(code));

    [Fact]
    public void unix_rows_keep_paths_with_spaces_and_abstract_names()
    {
        var rows = ProcNetReader.ParseUnix(Unix).ToList();
        Assert.Equal(("u_str", "LISTEN", "/run/my socket.sock"), (rows[0].Netid, rows[0].State, rows[0].Path));
        Assert.Equal(("u_str", "ESTAB", (string?)null), (rows[1].Netid, rows[1].State, rows[1].Path));
        Assert.Equal(("u_dgr", "UNCONN", "@abstract-name"), (rows[2].Netid, rows[2].State, rows[2].Path));
        Assert.Equal("u_seq", rows[3].Netid);
    }

    [Fact]
    public void owners_of_this_process_sockets_are_found()
    {
        using var s = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        s.Listen();
        var port = ((IPEndPoint)s.LocalEndPoint!).Port;
        var index = SocketOwnerIndex.Scan(pids: [Environment.ProcessId]);
        var row = Assert.Single(index.Attach(new ProcNetReader().Read(SocketKinds.Tcp)), r => r.LocalPort == port && r.State == "LISTEN");
        Assert.Contains(row.Owners, o => o.Pid == Environment.ProcessId);
    }
}
