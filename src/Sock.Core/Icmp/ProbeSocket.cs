using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Sockets;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Icmp;

/// <summary>
/// A socket that sends probes and reads what comes back — replies and, with IP_RECVERR, the ICMP errors the probes
/// caused from its error queue — with the TTL each reply arrived with and the kernel's receive time. ping and
/// traceroute use it for ICMP (raw or datagram), UDP and TCP probes alike. Every call is traced as the BSD call it is.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class ProbeSocket : IDisposable
{
    private readonly byte[] _address = new byte[128];
    // The last sender's address as received and as parsed: a run hears from the same few hosts again and again, so a
    // flood's reply costs no allocation for its source (an IPAddress and an IPEndPoint per reply otherwise).
    private readonly byte[] _lastAddress = new byte[128];
    private int _lastAddressLength = -1;
    private IPEndPoint? _lastFrom;
    private readonly byte[] _control = new byte[512];

    private ProbeSocket(TracedSocket socket, AddressFamily family, SocketType type, ProtocolType protocol)
    {
        Traced = socket;
        Family = family;
        Type = type;
        Protocol = protocol;
        Fd = (int)socket.Socket.SafeHandle.DangerousGetHandle();
    }

    public TracedSocket Traced { get; }

    public AddressFamily Family { get; }

    public SocketType Type { get; }

    public ProtocolType Protocol { get; }

    public bool V6 => Family == AddressFamily.InterNetworkV6;

    public int Fd { get; }

    private SocketTrace? Trace => Traced.Trace;

    /// <summary>socket(family, type, protocol); throws the <see cref="SockException"/> TracedSocket makes of a refusal.</summary>
    public static ProbeSocket Open(AddressFamily family, SocketType type, ProtocolType protocol, SocketTrace? trace)
    {
        if (!ProbeSockets.Supported) throw ProbeSockets.Unsupported();
        return new ProbeSocket(TracedSocket.Create(family, type, protocol, trace), family, type, protocol);
    }

    /// <summary>setsockopt(level, name, int) under the BSD name <paramref name="label"/>.</summary>
    public void SetInt(int level, int name, int value, string label)
    {
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(v, value);
        try
        {
            Traced.Socket.SetRawSocketOption(level, name, v);
            Trace?.Call($"setsockopt({Fd}, {label}, {value})");
        }
        catch (SocketException ex)
        {
            Trace?.Call($"setsockopt({Fd}, {label}, {value}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            throw SockException.FromSocket($"setsockopt {label} on", null, ex);
        }
    }

    /// <summary>
    /// For a raw socket, which sees every ICMP message the host receives: the kernel keeps only echo replies carrying
    /// <paramref name="identifier"/> and the errors (unreachable, time exceeded…), as iputils ping does — ICMP_FILTER
    /// (ICMP6_FILTER) by type, then a classic BPF program (SO_ATTACH_FILTER) that rejects echo replies with another
    /// identifier. Other processes' replies then never reach this socket, nor fill its buffer during a flood.
    /// </summary>
    public unsafe void FilterToOwnReplies(ushort identifier)
    {
        if (V6)
        {
            // struct icmp6_filter: 256 bits, a set bit blocks the type.
            Span<byte> filter = stackalloc byte[32];
            filter.Fill(0xFF);
            foreach (var type in new byte[] { IcmpTypes.V6EchoReply, IcmpTypes.V6Unreachable, IcmpTypes.V6PacketTooBig, IcmpTypes.V6TimeExceeded, 4 })
                filter[type >> 3] &= (byte)~(1 << (type & 7));
            SetBytes(58, 1, filter, "ICMP6_FILTER", "echo reply and errors only");
        }
        else
        {
            // ICMP_FILTER: a 32-bit mask, a set bit blocks the type.
            var pass = (1u << IcmpTypes.V4EchoReply) | (1u << IcmpTypes.V4Unreachable) | (1u << 4) | (1u << 5) | (1u << IcmpTypes.V4TimeExceeded) | (1u << 12);
            Span<byte> mask = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(mask, ~pass);
            SetBytes(255, 1, mask, "ICMP_FILTER", "echo reply and errors only");
        }
        // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }. A raw IPv4 socket's packet starts with the IP header,
        // an IPv6 one's with the ICMPv6 header.
        ulong[] program = V6
            ? [Insn(0x28, 0, 0, 4), Insn(0x15, 0, 1, identifier), Insn(0x06, 0, 0, uint.MaxValue), Insn(0x30, 0, 0, 0),
               Insn(0x15, 1, 0, IcmpTypes.V6EchoReply), Insn(0x06, 0, 0, uint.MaxValue), Insn(0x06, 0, 0, 0)]
            : [Insn(0xb1, 0, 0, 0), Insn(0x48, 0, 0, 4), Insn(0x15, 0, 1, identifier), Insn(0x06, 0, 0, uint.MaxValue),
               Insn(0x50, 0, 0, 0), Insn(0x15, 1, 0, IcmpTypes.V4EchoReply), Insn(0x06, 0, 0, uint.MaxValue), Insn(0x06, 0, 0, 0)];
        fixed (ulong* code = program)
        {
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; }: the kernel copies the program at once.
            Span<byte> fprog = stackalloc byte[16];
            fprog.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(fprog, (ushort)program.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(fprog[8..], (ulong)code);
            SetBytes(SocketOptions.SolSocket, 26, fprog, "SO_ATTACH_FILTER", $"BPF: echo replies with identifier {identifier} and errors");
        }
    }

    /// <summary>
    /// Reads and drops what reached the socket before its filter was attached: a raw socket receives from the moment
    /// it exists, and during another process's flood its buffer would be full of that process's replies, leaving no
    /// room for our first one.
    /// </summary>
    public void DiscardQueued()
    {
        var n = 0;
        while (n < 100_000 && SocketCalls.ReceiveMessage(Fd, _receiveScratch, _address, _control, 0, out _, out _, out _) >= 0)
            n++;
        if (n > 0) Trace?.Call($"recvmsg({Fd}) x {n}: dropped, they arrived before the filter");
    }

    private readonly byte[] _receiveScratch = new byte[65536];

    private static ulong Insn(ushort code, byte jt, byte jf, uint k) => code | (ulong)jt << 16 | (ulong)jf << 24 | (ulong)k << 32;

    private void SetBytes(int level, int name, ReadOnlySpan<byte> value, string label, string shown)
    {
        try
        {
            Traced.Socket.SetRawSocketOption(level, name, value);
            Trace?.Call($"setsockopt({Fd}, {label}, {shown})");
        }
        catch (SocketException ex)
        {
            Trace?.Call($"setsockopt({Fd}, {label}, {shown}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            throw SockException.FromSocket($"setsockopt {label} on", null, ex);
        }
    }

    /// <summary>SO_RCVBUFFORCE (root), else SO_RCVBUF (capped by net.core.rmem_max): room for <paramref name="bytes"/> of datagrams.</summary>
    public void GrowReceiveBuffer(int bytes)
    {
        try
        {
            SetInt(SocketOptions.SolSocket, 33, bytes, "SO_RCVBUFFORCE");
        }
        catch (SockException)
        {
            SetInt(SocketOptions.SolSocket, 8, bytes, "SO_RCVBUF");
        }
    }

    /// <summary>IP_TTL or IPV6_UNICAST_HOPS: how many routers a probe may cross.</summary>
    public void SetTtl(int ttl)
    {
        if (V6) SetInt(SocketOptions.SolIpv6, SocketOptions.Ipv6UnicastHops, ttl, "IPV6_UNICAST_HOPS");
        else SetInt(SocketOptions.SolIp, SocketOptions.IpTtl, ttl, "IP_TTL");
    }

    /// <summary>IP_RECVERR / IPV6_RECVERR: ICMP errors are queued with the router's address instead of being reduced to an errno.</summary>
    public void EnableErrorQueue()
    {
        if (V6) SetInt(SocketOptions.SolIpv6, SocketOptions.Ipv6RecvErr, 1, "IPV6_RECVERR");
        else SetInt(SocketOptions.SolIp, SocketOptions.IpRecvErr, 1, "IP_RECVERR");
    }

    /// <summary>IP_RECVTTL / IPV6_RECVHOPLIMIT: each datagram comes with the TTL it arrived with (a raw IPv4 socket reads it from the IP header instead).</summary>
    public void EnableTtlReport()
    {
        if (V6) SetInt(SocketOptions.SolIpv6, SocketOptions.Ipv6RecvHopLimit, 1, "IPV6_RECVHOPLIMIT");
        else SetInt(SocketOptions.SolIp, SocketOptions.IpRecvTtl, 1, "IP_RECVTTL");
    }

    /// <summary>SO_TIMESTAMPNS: the kernel stamps each datagram as it arrives, so round trips do not include our wake-up.</summary>
    public void EnableTimestamps() => SetInt(SocketOptions.SolSocket, SocketOptions.SoTimestampNs, 1, "SO_TIMESTAMPNS");

    /// <summary>IP_MTU_DISCOVER / IPV6_MTU_DISCOVER = PMTUDISC_PROBE: set DF and never fragment, so a too-big probe is reported.</summary>
    public void EnableMtuProbe()
    {
        if (V6) SetInt(SocketOptions.SolIpv6, SocketOptions.Ipv6MtuDiscover, SocketOptions.Ipv6PmtuDiscProbe, "IPV6_MTU_DISCOVER");
        else SetInt(SocketOptions.SolIp, SocketOptions.IpMtuDiscover, SocketOptions.IpPmtuDiscProbe, "IP_MTU_DISCOVER");
    }

    /// <summary>
    /// sendto(): one probe. A refusal the probe itself caused (EMSGSIZE past the path MTU, EHOSTUNREACH queued by an earlier
    /// ICMP error) is returned rather than thrown; the caller reads the error queue to learn more.
    /// </summary>
    public SocketError SendTo(ReadOnlySpan<byte> data, IPEndPoint to)
    {
        Span<byte> address = stackalloc byte[28];
        var length = Sockaddr.Write(to, address);
        return SendTo(data, address[..length], to);
    }

    /// <summary>sendto() to <paramref name="to"/> already written as a sockaddr (<paramref name="sockaddr"/>), as a flood sends to one host again and again.</summary>
    public SocketError SendTo(ReadOnlySpan<byte> data, ReadOnlySpan<byte> sockaddr, IPEndPoint to)
    {
        var n = SocketCalls.SendTo(Fd, data, sockaddr);
        if (n >= 0)
        {
            if (Trace is { } trace) TraceSent(trace, n, to);
            return SocketError.Success;
        }
        var error = Errno.ToSocketError(-n);
        Trace?.Call($"sendto({Fd}, {data.Length}, {EndpointText.Format(to)}) = -1 {BsdNames.Errno(error)}");
        return error;
    }

    /// <summary>
    /// A non-blocking connect(): starts a TCP handshake and returns at once; <see cref="Wait"/> for POLLOUT and
    /// <see cref="PendingError"/> tell how it ended.
    /// </summary>
    public SocketError StartConnect(IPEndPoint to)
    {
        Traced.Socket.Blocking = false;
        Span<byte> address = stackalloc byte[28];
        var length = Sockaddr.Write(to, address);
        var r = SocketCalls.Connect(Fd, address[..length]);
        var error = r == 0 ? SocketError.Success : -r == Errno.EINPROGRESS ? SocketError.InProgress : Errno.ToSocketError(-r);
        Trace?.Call(r == 0 ? $"connect({Fd}, {EndpointText.Format(to)}) = 0" : $"connect({Fd}, {EndpointText.Format(to)}) = -1 {(error == SocketError.InProgress ? "EINPROGRESS" : BsdNames.Errno(error))}");
        return error;
    }

    /// <summary>getsockopt(SO_ERROR): the error a non-blocking connect ended with (and clears it).</summary>
    public SocketError PendingError()
    {
        var r = SocketCalls.GetIntOption(Fd, SocketOptions.SolSocket, SocketOptions.SoError, out var errno);
        var error = r != 0 ? Errno.ToSocketError(-r) : errno == 0 ? SocketError.Success : Errno.ToSocketError(errno);
        Trace?.Call($"getsockopt({Fd}, SO_ERROR) = {(error == SocketError.Success ? "0" : BsdNames.Errno(error))}");
        return error;
    }

    /// <summary>Compiles the send path before the first probe, so the first round trip does not include the JIT.</summary>
    public static void WarmUp()
    {
        Span<byte> scratch = stackalloc byte[64];
        Span<byte> address = stackalloc byte[28];
        IcmpMessage.WriteEchoRequest(scratch, false, 1, 1, scratch[8..16]);
        var length = Sockaddr.Write(new IPEndPoint(IPAddress.Loopback, 0), address);
        _ = SocketCalls.SendTo(-1, scratch[..16], address[..length]); // EBADF: only the stub is wanted
        _ = SocketCalls.Connect(-1, address[..length]);
        _ = Poll.One(-1, Poll.Out, 0);
        _ = Errno.ToSocketError(9);
        _ = DateTime.UtcNow;
    }

    /// <summary>poll() for a datagram or a queued error, at most <paramref name="timeoutMs"/>; returns the events (POLLIN, POLLERR) or 0.</summary>
    public int Wait(int timeoutMs, short events = Poll.In)
    {
        var r = Poll.One(Fd, events, Math.Max(0, timeoutMs));
        return r < 0 ? 0 : r;
    }

    /// <summary>
    /// SO_RCVTIMEO: how long a waiting <see cref="TryReceive"/> may block (ping -f's wait for a reply before it sends
    /// again).
    /// </summary>
    public void SetReceiveTimeout(TimeSpan timeout)
    {
        // struct timeval { time_t tv_sec; suseconds_t tv_usec; } on 64-bit Linux.
        Span<byte> tv = stackalloc byte[16];
        var micros = (long)timeout.TotalMicroseconds;
        BinaryPrimitives.WriteInt64LittleEndian(tv, micros / 1_000_000);
        BinaryPrimitives.WriteInt64LittleEndian(tv[8..], micros % 1_000_000);
        SetBytes(SocketOptions.SolSocket, SoRcvTimeo, tv, "SO_RCVTIMEO", $"{timeout.TotalMilliseconds:0.###} ms");
    }

    private const int SoRcvTimeo = 20;

    /// <summary>
    /// recvmsg() from the socket or (<paramref name="errorQueue"/>) its error queue: without blocking, or with
    /// <paramref name="wait"/> for as long as <see cref="SetReceiveTimeout"/> allows. False when nothing came.
    /// </summary>
    public bool TryReceive(Span<byte> data, bool errorQueue, out ReceivedPacket packet, bool wait = false)
    {
        packet = default;
        var flags = errorQueue ? SocketCalls.MsgErrQueue : 0;
        var n = wait
            ? SocketCalls.ReceiveMessageWaiting(Fd, data, _address, _control, flags, out var addressLength, out var controlLength, out _)
            : SocketCalls.ReceiveMessage(Fd, data, _address, _control, flags, out addressLength, out controlLength, out _);
        if (n < 0)
        {
            if (-n != Errno.EAGAIN && -n != Errno.EINTR)
                Trace?.Call($"recvmsg({Fd}{(errorQueue ? ", MSG_ERRQUEUE" : "")}) = -1 errno {-n}");
            return false;
        }
        var raw = _address.AsSpan(0, Math.Min(addressLength, _address.Length));
        IPEndPoint? from;
        if (raw.Length == _lastAddressLength && raw.SequenceEqual(_lastAddress.AsSpan(0, raw.Length)))
            from = _lastFrom;
        else
        {
            from = Sockaddr.Parse(raw);
            raw.CopyTo(_lastAddress);
            _lastAddressLength = raw.Length;
            _lastFrom = from;
        }
        var ttl = -1;
        long stamp = 0;
        ExtendedError? error = null;
        var c = _control.AsSpan(0, Math.Min(controlLength, _control.Length));
        // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } then data, each aligned to 8 bytes.
        while (c.Length >= 16)
        {
            var len = (int)BinaryPrimitives.ReadUInt64LittleEndian(c);
            if (len < 16 || len > c.Length) break;
            var level = BinaryPrimitives.ReadInt32LittleEndian(c[8..]);
            var type = BinaryPrimitives.ReadInt32LittleEndian(c[12..]);
            var body = c[16..len];
            if (level == SocketOptions.SolSocket && type == SocketOptions.SoTimestampNs && body.Length >= 16)
                stamp = BinaryPrimitives.ReadInt64LittleEndian(body) * 1_000_000_000 + BinaryPrimitives.ReadInt64LittleEndian(body[8..]);
            else if ((level == SocketOptions.SolIp && type == SocketOptions.IpTtl) ||
                     (level == SocketOptions.SolIpv6 && type == SocketOptions.Ipv6HopLimit))
                ttl = body.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(body) : -1;
            else if ((level == SocketOptions.SolIp && type == SocketOptions.IpRecvErr) ||
                     (level == SocketOptions.SolIpv6 && type == SocketOptions.Ipv6RecvErr))
                error = ParseExtendedError(body);
            var step = (len + 7) & ~7;
            if (step >= c.Length) break;
            c = c[step..];
        }
        packet = new ReceivedPacket(n, from, ttl, stamp, error);
        if (Trace is { } trace) TraceReceived(trace, packet, errorQueue);
        return true;
    }

    // The trace lines are made in methods of their own: a lambda in SendTo or TryReceive that captured their locals
    // would cost an allocation on every call, traced or not (C# creates the closure where the captured variables begin).
    private void TraceSent(SocketTrace trace, int n, IPEndPoint to) =>
        trace.Transfer(Fd, "sendto", n, () => $"sendto({Fd}, {n}, {EndpointText.Format(to)}) = {n}");

    private void TraceReceived(SocketTrace trace, ReceivedPacket p, bool errorQueue)
    {
        if (errorQueue)
            trace.Call($"recvmsg({Fd}, MSG_ERRQUEUE) = {p.Length} bytes{DescribeError(p.Error)}");
        else
            trace.Transfer(Fd, "recvmsg", p.Length, () => $"recvmsg({Fd}) = {p.Length} bytes from {p.From?.Address}{(p.Ttl >= 0 ? $" (ttl {p.Ttl})" : "")}");
    }

    private string DescribeError(ExtendedError? e)
    {
        if (e is not { } x) return "";
        var what = x.Origin switch
        {
            ExtendedErrorOrigin.Icmp or ExtendedErrorOrigin.Icmp6 => IcmpTypes.Describe(x.Type, x.Code, x.Info, x.Origin == ExtendedErrorOrigin.Icmp6),
            ExtendedErrorOrigin.Local => x.Errno == 90 ? $"local: message too long (mtu {x.Info})" : $"local: errno {x.Errno}",
            _ => $"errno {x.Errno}",
        };
        return $": {(V6 ? "IPV6_RECVERR" : "IP_RECVERR")} {what}{(x.Offender is { } o && x.Origin != ExtendedErrorOrigin.Local ? $" from {o}" : "")}";
    }

    private static ExtendedError? ParseExtendedError(ReadOnlySpan<byte> body)
    {
        // struct sock_extended_err { u32 ee_errno; u8 ee_origin, ee_type, ee_code, ee_pad; u32 ee_info; u32 ee_data; }, then the offender's sockaddr.
        if (body.Length < 16) return null;
        var offender = body.Length > 16 ? Sockaddr.Parse(body[16..])?.Address : null;
        if (offender is not null && (offender.Equals(IPAddress.Any) || offender.Equals(IPAddress.IPv6Any))) offender = null;
        return new ExtendedError(BinaryPrimitives.ReadInt32LittleEndian(body), (ExtendedErrorOrigin)body[4], body[5], body[6],
            BinaryPrimitives.ReadUInt32LittleEndian(body[8..]), offender);
    }

    /// <summary>getsockopt(IP_MTU / IPV6_MTU): the path MTU the kernel knows for a connected socket; null when it will not say.</summary>
    public int? PathMtu()
    {
        var r = V6 ? SocketCalls.GetIntOption(Fd, SocketOptions.SolIpv6, SocketOptions.Ipv6Mtu, out var v)
            : SocketCalls.GetIntOption(Fd, SocketOptions.SolIp, SocketOptions.IpMtu, out v);
        Trace?.Call(r == 0 ? $"getsockopt({Fd}, {(V6 ? "IPV6_MTU" : "IP_MTU")}) = {v}" : $"getsockopt({Fd}, {(V6 ? "IPV6_MTU" : "IP_MTU")}) = -1 errno {-r}");
        return r == 0 ? v : null;
    }

    public void Dispose() => Traced.Dispose();
}
