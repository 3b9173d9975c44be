using System.Net;
using System.Net.Sockets;
using Sock.Tests.Support;

namespace Sock.Tests.Inspection;

/// <summary>
/// A known set of sockets held open for the comparison with ss: TCP listeners and established pairs on IPv4 and
/// IPv6, a TIME-WAIT, UDP bound and connected on both families, a Unix stream listener with a connected pair and a
/// bound Unix datagram socket, all on loopback or in a fresh temporary directory.
/// </summary>
public sealed class KnownSockets : IDisposable
{
    private readonly List<Socket> _sockets = [];
    private readonly TempDirectory _dir = new("sock-stat-");

    public KnownSockets()
    {
        foreach (var loopback in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            var l = Keep(new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
            l.Bind(new IPEndPoint(loopback, 0));
            l.Listen(16);
            var c = Keep(new Socket(loopback.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
            c.Connect(l.LocalEndPoint!);
            var a = Keep(l.Accept());
            Bound.Add(Ss(l.LocalEndPoint));
            Connected.Add((Ss(c.LocalEndPoint), Ss(c.RemoteEndPoint)));
            Connected.Add((Ss(a.LocalEndPoint), Ss(a.RemoteEndPoint)));

            var u = Keep(new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp));
            u.Bind(new IPEndPoint(loopback, 0));
            var uc = Keep(new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp));
            uc.Bind(new IPEndPoint(loopback, 0));
            uc.Connect(u.LocalEndPoint!);
            Bound.Add(Ss(u.LocalEndPoint));
            Connected.Add((Ss(uc.LocalEndPoint), Ss(uc.RemoteEndPoint)));
        }

        // TIME-WAIT: the side that closes first keeps it.
        using (var tl = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            tl.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            tl.Listen();
            var tc = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tc.Connect(tl.LocalEndPoint!);
            using var ta = tl.Accept();
            TimeWaitPort = ((IPEndPoint)tc.LocalEndPoint!).Port;
            Connected.Add((Ss(tc.LocalEndPoint), Ss(tc.RemoteEndPoint)));
            tc.Shutdown(SocketShutdown.Both);
            tc.Close();
            _timeWaitAge.Start();
            ta.ReceiveTimeout = 5000;
            _ = ta.Receive(new byte[1]); // the FIN
        }

        UnixStreamPath = Path.Combine(Directory, "stream.sock");
        var us = Keep(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
        us.Bind(new UnixDomainSocketEndPoint(UnixStreamPath));
        us.Listen(4);
        var ucl = Keep(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
        ucl.Connect(new UnixDomainSocketEndPoint(UnixStreamPath));
        Keep(us.Accept());
        var sq = Keep(new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified));
        sq.Bind(new UnixDomainSocketEndPoint(Path.Combine(Directory, "seq.sock")));
        sq.Listen(2);
        if (Environment.IsPrivilegedProcess)
        {
            // Raw ICMP sockets (root only): ss's "raw" table, whose port column is the protocol number.
            Keep(new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp));
            Keep(new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6));
            HasRaw = true;
        }
        UnixDgramPath = Path.Combine(Directory, "dgram.sock");
        var ud = Keep(new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified));
        ud.Bind(new UnixDomainSocketEndPoint(UnixDgramPath));
    }

    /// <summary>The temporary directory holding the Unix sockets.</summary>
    public string Directory => _dir.Path;

    /// <summary>
    /// The local endpoints of the listeners and bound UDP sockets, as ss spells them (127.0.0.1:P, [::1]:P): rows
    /// with these local endpoints and a wildcard peer are ours.
    /// </summary>
    public HashSet<string> Bound { get; } = [];

    /// <summary>
    /// The (local, peer) pairs of the connected sockets and the TIME-WAIT: only these exact pairs are ours, so a
    /// port scan another test runs against our listener does not count.
    /// </summary>
    public HashSet<(string Local, string Peer)> Connected { get; } = [];

    private static string Ss(EndPoint? ep)
    {
        var ip = (IPEndPoint)ep!;
        return ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip.Address}]:{ip.Port}" : $"{ip.Address}:{ip.Port}";
    }

    /// <summary>True when raw sockets could be opened (as root).</summary>
    public bool HasRaw { get; }

    /// <summary>The client port left in TIME-WAIT.</summary>
    public int TimeWaitPort { get; }

    private readonly System.Diagnostics.Stopwatch _timeWaitAge = new();

    /// <summary>
    /// Linux keeps a TIME-WAIT for 60 s: on a busy machine a test class can outlive it, and then both tools rightly
    /// report one row fewer.
    /// </summary>
    public bool TimeWaitMayBeGone => _timeWaitAge.Elapsed > TimeSpan.FromSeconds(55);

    public string UnixStreamPath { get; }
    public string UnixDgramPath { get; }

    private Socket Keep(Socket s)
    {
        _sockets.Add(s);
        return s;
    }

    public void Dispose()
    {
        foreach (var s in _sockets) s.Dispose();
        _dir.Dispose();
    }
}
