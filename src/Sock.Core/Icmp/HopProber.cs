using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Icmp;

/// <summary>
/// Sends one hop's probes (all at once) and waits for their answers: one socket per UDP or TCP probe, so each error
/// queue holds exactly its probe's fate; one shared ICMP socket for echo probes, matched by sequence.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class HopProber : IDisposable
{
    private readonly IPAddress _destination;
    private readonly TracerouteOptions _options;
    private readonly bool _v6;
    private readonly ProbeSocket? _icmp;
    private readonly ushort _identifier = (ushort)(Environment.ProcessId & 0xFFFF);
    private readonly byte[] _buffer = new byte[65536 + 128];
    private int _packetLength;
    private int _probeCount;

    private HopProber(IPAddress destination, TracerouteOptions options, int packetLength, ProbeSocket? icmp, string description)
    {
        _destination = destination;
        _options = options;
        _v6 = destination.AddressFamily == AddressFamily.InterNetworkV6;
        _packetLength = packetLength;
        _icmp = icmp;
        Description = description;
    }

    /// <summary>The method and its socket, in words.</summary>
    public string Description { get; }

    /// <summary>The path MTU known at the end (--mtu).</summary>
    public int? Pmtu { get; private set; }

    private int HeaderLength => _v6 ? 40 : 20;

    public static HopProber Create(IPAddress destination, TracerouteOptions options, int packetLength)
    {
        switch (options.Method)
        {
            case TracerouteMethod.Icmp:
                var family = destination.AddressFamily;
                var (socket, choice) = Pinger.Choose(family, new PingOptions { IcmpOnly = true, Trace = options.Trace }, PingPrivileges.Read());
                var s = socket!;
                // A raw socket reads routers' errors as packets, but a probe too big for the local link is refused at
                // sendto() and only the error queue says how wide that link is: --mtu wants it on either socket.
                if (s.Type == SocketType.Dgram || options.DiscoverMtu) s.EnableErrorQueue();
                if (s.Type != SocketType.Dgram) s.FilterToOwnReplies((ushort)(Environment.ProcessId & 0xFFFF));
                if (options.DiscoverMtu) s.EnableMtuProbe();
                s.EnableTimestamps();
                if (s.Type == SocketType.Raw) s.DiscardQueued();
                return new HopProber(destination, options, packetLength, s, $"ICMP echo over {(choice.Method == PingMethod.DatagramIcmp ? "an" : "a")} {choice.Description}: {choice.Reason}");
            case TracerouteMethod.Tcp:
                return new HopProber(destination, options, packetLength, null,
                    $"TCP connect to port {options.Port ?? 80}, time exceeded read from the {(destination.AddressFamily == AddressFamily.InterNetworkV6 ? "IPV6_RECVERR" : "IP_RECVERR")} error queue (no privileges needed)");
            default:
                return new HopProber(destination, options, packetLength, null,
                    $"UDP to port {options.Port ?? Tracer.DefaultUdpPort}+, time exceeded read from the {(destination.AddressFamily == AddressFamily.InterNetworkV6 ? "IPV6_RECVERR" : "IP_RECVERR")} error queue (no privileges needed)");
        }
    }

    /// <summary>Probes one TTL.</summary>
    public TracerouteHop Probe(int ttl, CancellationToken ct) => _options.Method switch
    {
        TracerouteMethod.Icmp => ProbeIcmp(ttl, ct),
        _ => ProbeSockets(ttl, ct),
    };

    private TracerouteHop ProbeSockets(int ttl, CancellationToken ct)
    {
        var tcp = _options.Method == TracerouteMethod.Tcp;
        var probes = new Pending[_options.ProbesPerHop];
        int? pmtuHere = null;
        try
        {
            for (var i = 0; i < probes.Length; i++)
            {
                var s = ProbeSocket.Open(_destination.AddressFamily, tcp ? SocketType.Stream : SocketType.Dgram, tcp ? ProtocolType.Tcp : ProtocolType.Udp, _options.Trace);
                probes[i] = new Pending(s);
                s.EnableErrorQueue();
                s.EnableTimestamps();
                s.SetTtl(ttl);
                if (_options.DiscoverMtu) s.EnableMtuProbe();
                var port = tcp ? _options.Port ?? 80 : (_options.Port ?? Tracer.DefaultUdpPort) + _probeCount;
                _probeCount++;
                probes[i].Target = new IPEndPoint(_destination, port);
                Send(probes[i], tcp);
            }
            var fds = probes.Select(p => p.Socket.Fd).ToArray();
            var revents = new short[fds.Length];
            while (!ct.IsCancellationRequested)
            {
                var open = probes.Where(p => p.Result is null).ToList();
                if (open.Count == 0) break;
                var deadline = open.Min(p => _options.Wait - p.Clock.Elapsed);
                if (deadline <= TimeSpan.Zero)
                {
                    foreach (var p in open) p.Result = new TracerouteProbe(null, null, "", false);
                    break;
                }
                Poll.All(fds, tcp ? Poll.Out : Poll.In, revents,
                    (int)Math.Min(100, Math.Ceiling(deadline.TotalMilliseconds)));
                // A finished connect has no kernel stamp: its round trip ends when poll saw it.
                var polledNs = NowNs();
                for (var i = 0; i < probes.Length; i++)
                {
                    var p = probes[i];
                    if (p.Result is not null || revents[i] == 0) continue;
                    if (p.Socket.TryReceive(_buffer, true, out var queued) && queued.Error is { } e)
                    {
                        var rtt = RoundTrip(p, queued.KernelTimeNs);
                        var icmp = e.Origin is ExtendedErrorOrigin.Icmp or ExtendedErrorOrigin.Icmp6;
                        var isV6 = e.Origin == ExtendedErrorOrigin.Icmp6;
                        var tooBig = e.Errno == 90 && (e.Origin == ExtendedErrorOrigin.Local || (icmp && (isV6 ? e.Type == IcmpTypes.V6PacketTooBig : e.Type == 3 && e.Code == 4)));
                        if (tooBig && _options.DiscoverMtu && e.Info >= 68 && (int)e.Info < _packetLength)
                        {
                            // The path is narrower than this probe: remember where, shrink, send this probe again.
                            _packetLength = (int)e.Info;
                            Pmtu = _packetLength;
                            if (e.Origin != ExtendedErrorOrigin.Local) pmtuHere = _packetLength;
                            Send(p, tcp);
                            continue;
                        }
                        if (!icmp)
                        {
                            p.Result = new TracerouteProbe(null, null, "", false);
                            continue;
                        }
                        if (IcmpTypes.IsTimeExceeded(e.Type, isV6))
                            p.Result = new TracerouteProbe(e.Offender, rtt, "", false);
                        else if (IcmpTypes.IsPortUnreachable(e.Type, e.Code, isV6))
                            p.Result = new TracerouteProbe(e.Offender ?? _destination, rtt, "", true);
                        else
                            p.Result = new TracerouteProbe(e.Offender, rtt, IcmpTypes.TracerouteMark(e.Type, e.Code, isV6) is { Length: > 0 } m ? m : $"!<{e.Type}/{e.Code}>", false);
                        continue;
                    }
                    if (tcp)
                    {
                        var error = p.Socket.PendingError();
                        var rtt = RoundTrip(p, polledNs);
                        p.Result = error switch
                        {
                            SocketError.Success or SocketError.ConnectionRefused => new TracerouteProbe(_destination, rtt, "", true),
                            SocketError.HostUnreachable => new TracerouteProbe(_destination, rtt, "!H", false),
                            SocketError.NetworkUnreachable => new TracerouteProbe(_destination, rtt, "!N", false),
                            _ => new TracerouteProbe(null, null, "", false),
                        };
                        continue;
                    }
                    if (p.Socket.TryReceive(_buffer, false, out var reply))
                        p.Result = new TracerouteProbe(reply.From?.Address ?? _destination, RoundTrip(p, reply.KernelTimeNs), "", true);
                }
            }
        }
        finally
        {
            foreach (var p in probes) p?.Socket.Dispose();
        }
        if (_options.DiscoverMtu && Pmtu is null && probes.Length > 0)
            Pmtu = _packetLength;
        return new TracerouteHop(ttl, [.. probes.Select(p => p?.Result ?? new TracerouteProbe(null, null, "", false))], pmtuHere);
    }

    private void Send(Pending p, bool tcp)
    {
        p.Clock.Restart();
        p.SentNs = NowNs();
        if (tcp)
        {
            var r = p.Socket.StartConnect(p.Target!);
            if (r is not (SocketError.InProgress or SocketError.Success))
                p.Result = new TracerouteProbe(null, null, r == SocketError.NetworkUnreachable ? "!N" : "", false);
            return;
        }
        // The payload makes the IP packet the asked length: IP header, 8 bytes of UDP header, then this.
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var payload = new byte[Math.Max(0, _packetLength - HeaderLength - 8)];
            var r = p.Socket.SendTo(payload, p.Target!);
            if (r == SocketError.Success) return;
            if (r == SocketError.MessageSize && _options.DiscoverMtu && ShrinkToLocalLink(p.Socket))
            {
                p.Clock.Restart();
                p.SentNs = NowNs();
                continue;
            }
            break;
        }
        p.Result ??= new TracerouteProbe(null, null, "", false);
    }

    /// <summary>
    /// After sendto() refused a probe with EMSGSIZE: the local link is narrower, and the error queue says how wide
    /// (ee_info), as tracepath's "[LOCALHOST] pmtu"; a connected socket can also be asked (IP_MTU). False when neither says.
    /// </summary>
    private bool ShrinkToLocalLink(ProbeSocket socket)
    {
        if (socket.TryReceive(_buffer, true, out var local) && local.Error is { Info: >= 68 } e && (int)e.Info < _packetLength)
            _packetLength = (int)e.Info;
        else if (socket.PathMtu() is { } mtu && mtu < _packetLength)
            _packetLength = mtu;
        else
            return false;
        Pmtu = _packetLength;
        return true;
    }

    /// <summary>
    /// A router's "too big" for this probe (ICMP fragmentation needed, ICMPv6 packet too big) with the MTU it names:
    /// true when --mtu is on and that MTU is below the probe's length, having shrunk the probes to it.
    /// </summary>
    private bool ShrinkToRouter(bool tooBig, uint mtu)
    {
        if (!tooBig || !_options.DiscoverMtu || mtu < 68 || mtu >= (uint)_packetLength) return false;
        _packetLength = (int)mtu;
        Pmtu = _packetLength;
        return true;
    }

    private TracerouteHop ProbeIcmp(int ttl, CancellationToken ct)
    {
        var socket = _icmp!;
        var raw = socket.Type == SocketType.Raw;
        socket.SetTtl(ttl);
        var count = _options.ProbesPerHop;
        var results = new TracerouteProbe?[count];
        var sentNs = new long[count];
        var clock = Stopwatch.StartNew();
        var first = (ushort)(_probeCount + 1);
        int? pmtuHere = null;
        for (var i = 0; i < count; i++)
            if (!SendEcho(i)) results[i] = new TracerouteProbe(null, null, "", false);
        _probeCount += count;
        int? IndexOf(ushort seq) => (ushort)(seq - first) is var d && d < count ? d : null;

        // One echo request of the probes' current length; a local EMSGSIZE under --mtu shrinks it and sends again.
        bool SendEcho(int i)
        {
            for (var attempt = 0; attempt < 4; attempt++)
            {
                var packet = new byte[Math.Max(8, _packetLength - HeaderLength)];
                var length = IcmpMessage.WriteEchoRequest(packet, _v6, _identifier, (ushort)(first + i), packet.AsSpan(8).ToArray());
                sentNs[i] = NowNs();
                var r = socket.SendTo(packet.AsSpan(0, length), new IPEndPoint(_destination, 0));
                if (r == SocketError.Success) return true;
                if (r != SocketError.MessageSize || !_options.DiscoverMtu || !ShrinkToLocalLink(socket)) return false;
            }
            return false;
        }

        // A router said the probe was too big (the probes have shrunk): the drop is at this hop; the probe goes again.
        void Resend(int i)
        {
            pmtuHere = _packetLength;
            clock.Restart();
            if (!SendEcho(i)) results[i] = new TracerouteProbe(null, null, "", false);
        }
        while (!ct.IsCancellationRequested && results.Any(r => r is null) && clock.Elapsed < _options.Wait)
        {
            var left = _options.Wait - clock.Elapsed;
            if (socket.Wait((int)Math.Min(100, Math.Ceiling(left.TotalMilliseconds))) == 0) continue;
            for (var n = 0; n < 256 && socket.TryReceive(_buffer, false, out var p); n++)
            {
                ReadOnlySpan<byte> data = _buffer.AsSpan(0, p.Length);
                if (raw && !_v6)
                {
                    if (data.Length < 28 || data[0] >> 4 != 4) continue;
                    data = data[((data[0] & 0x0F) * 4)..];
                }
                if (IcmpMessage.Parse(data, _v6, raw && !_v6) is not { } m || m.IsEchoRequest || !m.ChecksumValid) continue;
                if (raw && m.IsError && IcmpMessage.QuotedEcho(data[8..], _v6) is { } q && (q.Identifier != _identifier || !q.Destination.Equals(_destination))) continue;
                if (raw && m.IsEchoReply && m.Identifier != _identifier) continue;
                if (!m.IsEchoReply && !m.IsError) continue;
                if (IndexOf(m.Sequence) is not { } i || results[i] is not null) continue;
                var routerTooBig = _v6 ? m.Type == IcmpTypes.V6PacketTooBig : m.Type == 3 && m.Code == 4;
                // ICMPv4 names the next hop's MTU in the low 16 bits of the header's second word (RFC 1191), ICMPv6 in all 32.
                if (ShrinkToRouter(routerTooBig, _v6 ? m.Info : m.Info & 0xFFFF))
                {
                    Resend(i);
                    continue;
                }
                var rtt = Math.Max(0, ((p.KernelTimeNs != 0 ? p.KernelTimeNs : NowNs()) - sentNs[i]) / 1000);
                results[i] = m.IsEchoReply ? new TracerouteProbe(p.From?.Address, rtt, "", true)
                    : IcmpTypes.IsTimeExceeded(m.Type, _v6) ? new TracerouteProbe(p.From?.Address, rtt, "", false)
                    : new TracerouteProbe(p.From?.Address, rtt, IcmpTypes.TracerouteMark(m.Type, m.Code, _v6) is { Length: > 0 } k ? k : "!<" + m.Type + ">", false);
            }
            // A raw socket has routers' errors as packets (above); its error queue, on only for --mtu's local EMSGSIZE,
            // gets copies of them too: drained, not read twice.
            for (var n = 0; n < 256 && (!raw || _options.DiscoverMtu) && socket.TryReceive(_buffer, true, out var p); n++)
            {
                if (raw || p.Error is not { } e || p.Length < 8) continue;
                if (IndexOf(BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(6))) is not { } i || results[i] is not null) continue;
                var tooBig = e.Errno == 90 && (e.Origin == ExtendedErrorOrigin.Icmp6 ? e.Type == IcmpTypes.V6PacketTooBig : e.Type == 3 && e.Code == 4);
                if (ShrinkToRouter(tooBig, e.Info))
                {
                    Resend(i);
                    continue;
                }
                var rtt = Math.Max(0, ((p.KernelTimeNs != 0 ? p.KernelTimeNs : NowNs()) - sentNs[i]) / 1000);
                var isV6 = e.Origin == ExtendedErrorOrigin.Icmp6;
                results[i] = IcmpTypes.IsTimeExceeded(e.Type, isV6) ? new TracerouteProbe(e.Offender, rtt, "", false)
                    : new TracerouteProbe(e.Offender, rtt, IcmpTypes.TracerouteMark(e.Type, e.Code, isV6) is { Length: > 0 } k ? k : "!<" + e.Type + ">", false);
            }
        }
        if (_options.DiscoverMtu && Pmtu is null) Pmtu = _packetLength;
        return new TracerouteHop(ttl, [.. results.Select(r => r ?? new TracerouteProbe(null, null, "", false))], pmtuHere);
    }

    private static long RoundTrip(Pending p, long kernelNs) =>
        kernelNs != 0 ? Math.Max(0, (kernelNs - p.SentNs) / 1000) : (long)p.Clock.Elapsed.TotalMicroseconds;

    private static long NowNs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    public void Dispose() => _icmp?.Dispose();

    private sealed class Pending(ProbeSocket socket)
    {
        public ProbeSocket Socket { get; } = socket;
        public IPEndPoint? Target;
        public Stopwatch Clock { get; } = new();
        public long SentNs;
        public TracerouteProbe? Result;
    }
}
