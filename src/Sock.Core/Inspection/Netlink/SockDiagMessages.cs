using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Sock.Core.Inspection.Netlink;

/// <summary>
/// The sock_diag netlink protocol (linux/sock_diag.h, inet_diag.h, unix_diag.h) as bytes: building the dump
/// requests ss sends, and parsing the replies into <see cref="SocketTableEntry"/> rows. Pure functions over byte
/// spans, so captured messages can be parsed in tests. Netlink is in host byte order; ports and addresses inside
/// inet_diag_sockid are in network order.
/// </summary>
internal static class SockDiagMessages
{
    /// <summary>NLMSG_ERROR.</summary>
    public const ushort NlmsgError = 2;
    /// <summary>NLMSG_DONE.</summary>
    public const ushort NlmsgDone = 3;
    /// <summary>SOCK_DIAG_BY_FAMILY, the request and reply type.</summary>
    public const ushort SockDiagByFamily = 20;
    private const ushort NlmFRequest = 0x1, NlmFDump = 0x300;
    private const int NlmsgHeaderLength = 16;
    /// <summary>AF_UNIX.</summary>
    public const byte AfUnix = 1;
    /// <summary>AF_INET.</summary>
    public const byte AfInet = 2;
    /// <summary>AF_INET6.</summary>
    public const byte AfInet6 = 10;
    /// <summary>IPPROTO_TCP.</summary>
    public const byte IpprotoTcp = 6;
    /// <summary>IPPROTO_UDP.</summary>
    public const byte IpprotoUdp = 17;
    /// <summary>IPPROTO_RAW.</summary>
    public const byte IpprotoRaw = 255;

    // inet_diag attribute types and the idiag_ext bits that ask for them.
    private const ushort InetDiagInfo = 2, InetDiagVegasInfo = 3, InetDiagCong = 4, InetDiagSkMemInfo = 7, InetDiagShutdown = 8, InetDiagSkV6Only = 11,
        InetDiagBbrInfo = 16, InetDiagCgroupId = 21;
    // unix_diag attribute types and the udiag_show bits.
    private const ushort UnixDiagName = 0, UnixDiagPeer = 2, UnixDiagRqlen = 4, UnixDiagMemInfo = 5, UnixDiagUid = 7;
    private const uint UdiagShowName = 0x1, UdiagShowPeer = 0x4, UdiagShowRqlen = 0x10, UdiagShowMemInfo = 0x20, UdiagShowUid = 0x40;

    private static readonly string?[] TimerNames = [null, "on", "keepalive", "timewait", "persist"];

    /// <summary>
    /// An inet_diag_req_v2 dump request: every socket of <paramref name="family"/>/<paramref name="protocol"/> whose
    /// state is in <paramref name="states"/>; with <paramref name="tcpInfo"/>, tcp_info and the congestion algorithm too;
    /// with <paramref name="memory"/>, each socket's memory (SK_MEMINFO).
    /// </summary>
    public static byte[] InetRequest(byte family, byte protocol, uint states, bool tcpInfo, uint sequence, bool memory = false)
    {
        var msg = new byte[NlmsgHeaderLength + 56];
        Header(msg, sequence);
        var r = msg.AsSpan(NlmsgHeaderLength);
        r[0] = family;
        r[1] = protocol;
        // The congestion control's own figures (BBR's) come with the VEGASINFO bit, as ss asks for them: the BBRINFO bit
        // does not fit in the one-byte idiag_ext.
        r[2] = (byte)((tcpInfo ? (1 << (InetDiagInfo - 1)) | (1 << (InetDiagCong - 1)) | (1 << (InetDiagVegasInfo - 1)) : 0)
            | (memory ? 1 << (InetDiagSkMemInfo - 1) : 0));
        r[3] = 0; // for raw sockets: sdiag_raw_protocol, 0 = every protocol
        WriteHost32(r[4..], states);
        // inet_diag_sockid left zero; cookie "none" is ~0 in both words.
        WriteHost32(r[48..], uint.MaxValue);
        WriteHost32(r[52..], uint.MaxValue);
        return msg;
    }

    /// <summary>
    /// A unix_diag_req dump request for every Unix socket in <paramref name="states"/>, with names, peers, queues and
    /// uids; with <paramref name="memory"/>, each socket's memory (SK_MEMINFO) too.
    /// </summary>
    public static byte[] UnixRequest(uint states, uint sequence, bool memory = false)
    {
        var msg = new byte[NlmsgHeaderLength + 24];
        Header(msg, sequence);
        var r = msg.AsSpan(NlmsgHeaderLength);
        r[0] = AfUnix;
        WriteHost32(r[4..], states);
        WriteHost32(r[12..], UdiagShowName | UdiagShowPeer | UdiagShowRqlen | UdiagShowUid | (memory ? UdiagShowMemInfo : 0));
        WriteHost32(r[16..], uint.MaxValue);
        WriteHost32(r[20..], uint.MaxValue);
        return msg;
    }

    /// <summary>What one received buffer held: rows parsed from it, and whether the dump ended (NLMSG_DONE) or failed.</summary>
    public readonly record struct Batch(bool Done, int Errno);

    /// <summary>
    /// Parses the netlink messages in <paramref name="buffer"/> (one recv's worth), adding a row per socket to
    /// <paramref name="rows"/>. <paramref name="netid"/> names inet rows ("tcp", "udp", "raw"); Unix rows name themselves.
    /// With <paramref name="seen"/> (the cookies of the dump's earlier parts), a socket already listed is skipped: the
    /// kernel resumes each part of a dump by position in its hash table, so a socket added or removed between parts can
    /// make another one come twice (seen as a fourth row in `sock demo` while other tests churned connections).
    /// </summary>
    public static Batch Parse(ReadOnlySpan<byte> buffer, string? netid, List<SocketTableEntry> rows, HashSet<ulong>? seen = null)
    {
        void Add(SocketTableEntry row)
        {
            if (row.Cookie == 0 || seen is null || seen.Add(row.Cookie)) rows.Add(row);
        }
        var offset = 0;
        while (offset + NlmsgHeaderLength <= buffer.Length)
        {
            var len = (int)ReadHost32(buffer[offset..]);
            var type = ReadHost16(buffer[(offset + 4)..]);
            if (len < NlmsgHeaderLength || offset + len > buffer.Length) break;
            var payload = buffer.Slice(offset + NlmsgHeaderLength, len - NlmsgHeaderLength);
            switch (type)
            {
                case NlmsgDone:
                    // A dump that could not start ends with NLMSG_DONE carrying -errno (ENOENT: no raw_diag here).
                    var status = payload.Length >= 4 ? (int)ReadHost32(payload) : 0;
                    return new Batch(true, status < 0 ? -status : 0);
                case NlmsgError:
                    var errno = payload.Length >= 4 ? -(int)ReadHost32(payload) : 0;
                    if (errno != 0) return new Batch(true, errno);
                    break;
                case SockDiagByFamily when payload.Length > 0 && payload[0] == AfUnix:
                    if (ParseUnix(payload) is { } u) Add(u);
                    break;
                case SockDiagByFamily:
                    if (ParseInet(payload, netid ?? "tcp") is { } i) Add(i);
                    break;
            }
            offset += Align(len);
        }
        return new Batch(false, 0);
    }

    /// <summary>Parses one inet_diag_msg and its attributes; null when it is too short.</summary>
    public static SocketTableEntry? ParseInet(ReadOnlySpan<byte> m, string netid)
    {
        if (m.Length < 72) return null;
        var family = m[0];
        var state = m[1];
        var timer = m[2];
        var retrans = m[3];
        var sport = BinaryPrimitives.ReadUInt16BigEndian(m[4..]);
        var dport = BinaryPrimitives.ReadUInt16BigEndian(m[6..]);
        var addrLen = family == AfInet6 ? 16 : 4;
        var src = Address(m.Slice(8, addrLen));
        var dst = Address(m.Slice(24, addrLen));
        var ifindex = (int)ReadHost32(m[40..]);
        var cookie = ReadHost32(m[44..]) | ((ulong)ReadHost32(m[48..]) << 32);
        var expires = ReadHost32(m[52..]);
        var rq = ReadHost32(m[56..]);
        var wq = ReadHost32(m[60..]);
        var uid = ReadHost32(m[64..]);
        var inode = ReadHost32(m[68..]);
        bool? v6only = null;
        string? cong = null;
        TcpInternals? tcp = null;
        BbrInfo? bbr = null;
        ulong cgroup = 0;
        SocketMemory? memory = null;
        for (var o = 72; o + 4 <= m.Length;)
        {
            var len = ReadHost16(m[o..]);
            var type = ReadHost16(m[(o + 2)..]) & 0x3FFF;
            if (len < 4 || o + len > m.Length) break;
            var value = m.Slice(o + 4, len - 4);
            switch (type)
            {
                case InetDiagSkV6Only when value.Length >= 1: v6only = value[0] != 0; break;
                case InetDiagCong: cong = CString(value); break;
                case InetDiagInfo: tcp = ParseTcpInfo(value); break;
                case InetDiagSkMemInfo: memory = ParseMemInfo(value); break;
                case InetDiagBbrInfo when value.Length >= 20: bbr = ParseBbrInfo(value); break;
                case InetDiagCgroupId when value.Length >= 8: cgroup = ReadHost32(value) | ((ulong)ReadHost32(value[4..]) << 32); break;
            }
            o += Align(len);
        }
        if (tcp is not null && cong is not null) tcp = tcp with { Congestion = cong };
        if (tcp is not null && bbr is not null) tcp = tcp with { Bbr = bbr };
        var stateName = SocketStates.NameOf(state);
        return new SocketTableEntry
        {
            Netid = netid,
            State = stateName,
            RecvQ = rq,
            SendQ = wq,
            LocalAddress = src,
            LocalPort = sport,
            PeerAddress = dst,
            PeerPort = dport,
            Inode = inode,
            Uid = (int)uid,
            Cookie = cookie,
            CgroupId = cgroup,
            V6Only = v6only,
            InterfaceIndex = ifindex,
            Timer = timer < TimerNames.Length ? TimerNames[timer] : "unknown",
            TimerExpiresMs = expires,
            TimerRetransmits = retrans,
            Tcp = tcp,
            Memory = memory,
        };
    }

    /// <summary>Parses one unix_diag_msg and its attributes; null when it is too short.</summary>
    public static SocketTableEntry? ParseUnix(ReadOnlySpan<byte> m)
    {
        if (m.Length < 16) return null;
        var type = m[1];
        var state = m[2];
        var inode = ReadHost32(m[4..]);
        var cookie = ReadHost32(m[8..]) | ((ulong)ReadHost32(m[12..]) << 32);
        string? path = null;
        long peer = 0, rq = 0, wq = 0;
        var uid = 0;
        SocketMemory? memory = null;
        for (var o = 16; o + 4 <= m.Length;)
        {
            var len = ReadHost16(m[o..]);
            var t = ReadHost16(m[(o + 2)..]) & 0x3FFF;
            if (len < 4 || o + len > m.Length) break;
            var value = m.Slice(o + 4, len - 4);
            o += Align(len);
            switch (t)
            {
                case UnixDiagName when value.Length > 0:
                    // An abstract name starts with a zero byte; ss shows it as @.
                    path = value[0] == 0 ? "@" + Encoding.UTF8.GetString(value[1..]) : Encoding.UTF8.GetString(value).TrimEnd('\0');
                    break;
                case UnixDiagPeer when value.Length >= 4: peer = ReadHost32(value); break;
                case UnixDiagRqlen when value.Length >= 8: rq = ReadHost32(value); wq = ReadHost32(value[4..]); break;
                case UnixDiagUid when value.Length >= 4: uid = (int)ReadHost32(value); break;
                case UnixDiagMemInfo: memory = ParseMemInfo(value); break;
            }
        }
        return new SocketTableEntry
        {
            Netid = type switch { 1 => "u_str", 2 => "u_dgr", 5 => "u_seq", _ => "u_???" },
            State = SocketStates.NameOf(state),
            RecvQ = rq,
            SendQ = wq,
            Path = path,
            Inode = inode,
            PeerInode = peer,
            Uid = uid,
            Cookie = cookie,
            Memory = memory,
        };
    }

    /// <summary>
    /// Parses an SK_MEMINFO array of u32 (r, rb, t, tb, f, w, o, bl, d); older kernels give fewer, and ss then leaves
    /// bl and d out, as <see cref="SocketMemory"/> does with null.
    /// </summary>
    public static SocketMemory? ParseMemInfo(ReadOnlySpan<byte> value)
    {
        if (value.Length < 7 * 4) return null;
        static long At(ReadOnlySpan<byte> v, int i) => ReadHost32(v[(i * 4)..]);
        return new SocketMemory
        {
            ReceiveAllocated = At(value, 0),
            ReceiveBuffer = At(value, 1),
            SendAllocated = At(value, 2),
            SendBuffer = At(value, 3),
            ForwardAllocated = At(value, 4),
            SendQueued = At(value, 5),
            OptionMemory = At(value, 6),
            Backlog = value.Length >= 8 * 4 ? At(value, 7) : null,
            Drops = value.Length >= 9 * 4 ? At(value, 8) : null,
        };
    }

    /// <summary>Parses struct tcp_info (linux/tcp.h); older kernels give a shorter struct, so every field is length-checked.</summary>
    public static TcpInternals ParseTcpInfo(ReadOnlySpan<byte> info)
    {
        var v = info.ToArray();
        uint U32(int at) => v.Length >= at + 4 ? ReadHost32(v.AsSpan(at)) : 0;
        ulong U64(int at) => v.Length >= at + 8 ? (BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt64LittleEndian(v.AsSpan(at)) : BinaryPrimitives.ReadUInt64BigEndian(v.AsSpan(at))) : 0;
        var wscale = v.Length > 6 ? v[6] : (byte)0;
        var opts = v.Length > 5 ? v[5] : (byte)0;
        var options = new List<string>();
        if ((opts & 0x1) != 0) options.Add("ts");
        if ((opts & 0x2) != 0) options.Add("sack");
        if ((opts & 0x8) != 0) options.Add("ecn");
        if ((opts & 0x10) != 0) options.Add("ecnseen");
        if ((opts & 0x20) != 0) options.Add("fastopen");
        return new TcpInternals
        {
            Options = options,
            HasWindowScale = (opts & 0x4) != 0,
            SendWindowScale = wscale & 0xF,
            ReceiveWindowScale = wscale >> 4,
            RtoUs = U32(8),
            AtoUs = U32(12),
            Mss = (int)U32(16),
            RcvMss = (int)U32(20),
            Unacked = (int)U32(24),
            Lost = (int)U32(32),
            Retrans = (int)U32(36),
            LastSendMs = U32(44),
            LastReceiveMs = U32(52),
            LastAckMs = U32(56),
            Pmtu = (int)U32(60),
            RttUs = U32(68),
            RttVarUs = U32(72),
            SendSsthresh = U32(76),
            Cwnd = (int)U32(80),
            AdvMss = (int)U32(84),
            RcvRttUs = U32(92),
            RcvSpace = U32(96),
            TotalRetrans = (int)U32(100),
            PacingRate = U64(104),
            BytesAcked = U64(120),
            BytesReceived = U64(128),
            SegsOut = U32(136),
            SegsIn = U32(140),
            NotSentBytes = U32(144),
            MinRttUs = U32(148),
            DeliveryRate = U64(160),
            BytesSent = U64(200),
            BytesRetrans = U64(208),
            SendWindow = U32(228),
            RcvSsthresh = U32(64),
            Reordering = (int)U32(88),
            DataSegsIn = U32(152),
            DataSegsOut = U32(156),
            Delivered = U32(192),
            // Byte 7: tcpi_delivery_rate_app_limited is its lowest bit.
            AppLimited = v.Length > 7 && (v[7] & 0x1) != 0,
        };
    }

    /// <summary>Parses struct tcp_bbr_info: bandwidth (two 32-bit halves, bytes/s), min_rtt (µs), pacing and cwnd gains (×256).</summary>
    public static BbrInfo ParseBbrInfo(ReadOnlySpan<byte> value) => new()
    {
        BandwidthBytesPerSecond = ReadHost32(value) | ((ulong)ReadHost32(value[4..]) << 32),
        MinRttUs = ReadHost32(value[8..]),
        PacingGain = ReadHost32(value[12..]) / 256.0,
        CwndGain = ReadHost32(value[16..]) / 256.0,
    };

    // Tables repeat the same few addresses (127.0.0.1, ::1, the wildcard) thousands of times: share one object each,
    // which also shares IPAddress's cached text when the rows are printed.
    [ThreadStatic] private static Dictionary<uint, IPAddress>? _v4;
    [ThreadStatic] private static Dictionary<UInt128, IPAddress>? _v6;

    private static IPAddress Address(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 4)
        {
            var key = BinaryPrimitives.ReadUInt32BigEndian(bytes);
            _v4 ??= [];
            if (!_v4.TryGetValue(key, out var a) && _v4.Count < 4096) _v4[key] = a = new IPAddress(bytes);
            return a ?? new IPAddress(bytes);
        }
        var k6 = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        _v6 ??= [];
        if (!_v6.TryGetValue(k6, out var b) && _v6.Count < 4096) _v6[k6] = b = new IPAddress(bytes);
        return b ?? new IPAddress(bytes);
    }

    private static string CString(ReadOnlySpan<byte> v)
    {
        var z = v.IndexOf((byte)0);
        return Encoding.ASCII.GetString(z < 0 ? v : v[..z]);
    }

    private static void Header(Span<byte> msg, uint sequence)
    {
        WriteHost32(msg, (uint)msg.Length);
        WriteHost16(msg[4..], SockDiagByFamily);
        WriteHost16(msg[6..], NlmFRequest | NlmFDump);
        WriteHost32(msg[8..], sequence);
    }

    private static int Align(int len) => (len + 3) & ~3;

    private static uint ReadHost32(ReadOnlySpan<byte> s) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(s) : BinaryPrimitives.ReadUInt32BigEndian(s);
    private static ushort ReadHost16(ReadOnlySpan<byte> s) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(s) : BinaryPrimitives.ReadUInt16BigEndian(s);
    private static void WriteHost32(Span<byte> s, uint v)
    {
        if (BitConverter.IsLittleEndian) BinaryPrimitives.WriteUInt32LittleEndian(s, v);
        else BinaryPrimitives.WriteUInt32BigEndian(s, v);
    }
    private static void WriteHost16(Span<byte> s, ushort v)
    {
        if (BitConverter.IsLittleEndian) BinaryPrimitives.WriteUInt16LittleEndian(s, v);
        else BinaryPrimitives.WriteUInt16BigEndian(s, v);
    }
}
