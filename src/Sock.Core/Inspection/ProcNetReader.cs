using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace Sock.Core.Inspection;

/// <summary>
/// Reads Linux's socket tables from the text files under /proc/net (tcp, tcp6, udp, udp6, raw, raw6, unix).
/// Always there, readable by anyone; the netlink reader is faster and gives more, this is the fallback.
/// </summary>
internal sealed class ProcNetReader : ISocketTableReader
{
    private readonly string _root;

    /// <summary>A reader over <paramref name="procNetDirectory"/> (normally /proc/net; tests point it at captured files).</summary>
    public ProcNetReader(string procNetDirectory = "/proc/net") => _root = procNetDirectory;

    /// <inheritdoc />
    public string Source => _root;

    /// <inheritdoc />
    public IReadOnlyList<SocketTableEntry> Read(SocketKinds kinds)
    {
        var rows = new List<SocketTableEntry>();
        void Inet(SocketKinds k, string file, string netid)
        {
            if (!kinds.HasFlag(k)) return;
            var path = Path.Combine(_root, file);
            if (!File.Exists(path)) return;
            rows.AddRange(ParseInet(File.ReadAllText(path), netid));
        }
        Inet(SocketKinds.Tcp4, "tcp", "tcp");
        Inet(SocketKinds.Tcp6, "tcp6", "tcp");
        Inet(SocketKinds.Udp4, "udp", "udp");
        Inet(SocketKinds.Udp6, "udp6", "udp");
        Inet(SocketKinds.Raw4, "raw", "raw");
        Inet(SocketKinds.Raw6, "raw6", "raw");
        if (kinds.HasFlag(SocketKinds.Unix) && File.Exists(Path.Combine(_root, "unix")))
            rows.AddRange(ParseUnix(File.ReadAllText(Path.Combine(_root, "unix"))));
        return rows;
    }

    /// <summary>Parses the text of /proc/net/{tcp,tcp6,udp,udp6,raw,raw6}.</summary>
    public static IEnumerable<SocketTableEntry> ParseInet(string text, string netid)
    {
        foreach (var line in text.Split('\n').Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10) continue;
            var (la, lp) = ParseAddress(f[1]);
            var (ra, rp) = ParseAddress(f[2]);
            var st = int.Parse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var q = f[4].Split(':');
            var tm = f[5].Split(':');
            var timer = int.Parse(tm[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            yield return new SocketTableEntry
            {
                Netid = netid,
                State = netid == "tcp" ? TcpStateName(st) : DatagramStateName(st),
                SendQ = long.Parse(q[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                RecvQ = long.Parse(q[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                LocalAddress = la, LocalPort = lp, PeerAddress = ra, PeerPort = rp,
                Uid = int.Parse(f[7], CultureInfo.InvariantCulture),
                Inode = long.Parse(f[9], CultureInfo.InvariantCulture),
                // tm->when is in clock ticks (USER_HZ, 100 a second).
                Timer = timer switch { 0 => null, 1 => "on", 2 => "keepalive", 3 => "timewait", 4 => "persist", _ => "unknown" },
                TimerExpiresMs = timer == 0 ? 0 : long.Parse(tm[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) * 10,
                TimerRetransmits = int.Parse(f[6], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            };
        }
    }

    /// <summary>Parses the text of /proc/net/unix. Paths may hold spaces; abstract names start with @.</summary>
    public static IEnumerable<SocketTableEntry> ParseUnix(string text)
    {
        foreach (var line in text.Split('\n').Skip(1))
        {
            // Num RefCount Protocol Flags Type St Inode [Path] — the path is the rest of the line, spaces and all.
            var f = line.Split(' ', 8, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 7) continue;
            var flags = int.Parse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var type = int.Parse(f[4], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var st = int.Parse(f[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            const int acceptCon = 0x10000;
            yield return new SocketTableEntry
            {
                Netid = type switch { 1 => "u_str", 2 => "u_dgr", 5 => "u_seq", _ => "u_???" },
                State = (flags & acceptCon) != 0 ? "LISTEN" : st == 3 ? "ESTAB" : st == 2 ? "SYN-SENT" : "UNCONN",
                Inode = long.Parse(f[6], CultureInfo.InvariantCulture),
                Path = f.Length > 7 ? f[7].TrimEnd('\r') : null,
            };
        }
    }

    /// <summary>
    /// Parses "0100007F:1F90" or the 32-digit tcp6 form: each 32-bit word is printed from a host-order read of
    /// network-order bytes, the port in plain hex.
    /// </summary>
    public static (IPAddress Address, int Port) ParseAddress(string text) => ParseAddress(text, BitConverter.IsLittleEndian);

    /// <summary>
    /// Parses an address as a kernel of the given byte order prints it: a little-endian host prints 127.0.0.1 as
    /// 0100007F, a big-endian one as 7F000001.
    /// </summary>
    public static (IPAddress Address, int Port) ParseAddress(string text, bool littleEndianHost)
    {
        var colon = text.IndexOf(':');
        var hex = text.AsSpan(0, colon);
        var bytes = new byte[hex.Length / 2];
        for (var w = 0; w < bytes.Length / 4; w++)
        {
            var word = uint.Parse(hex.Slice(w * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (littleEndianHost) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(w * 4), word);
            else BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(w * 4), word);
        }
        var port = int.Parse(text.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (new IPAddress(bytes), port);
    }

    /// <summary>The kernel's TCP state numbers (include/net/tcp_states.h) as ss prints them.</summary>
    public static string TcpStateName(int state) => state switch
    {
        1 => "ESTAB",
        2 => "SYN-SENT",
        3 => "SYN-RECV",
        4 => "FIN-WAIT-1",
        5 => "FIN-WAIT-2",
        6 => "TIME-WAIT",
        7 => "UNCONN",
        8 => "CLOSE-WAIT",
        9 => "LAST-ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        12 => "SYN-RECV",
        _ => "UNKNOWN",
    };

    private static string DatagramStateName(int state) => state switch
    {
        1 => "ESTAB",
        7 => "UNCONN",
        _ => TcpStateName(state),
    };
}
