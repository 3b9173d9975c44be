using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Core.Errors;

namespace Sock.Core.Endpoints;

/// <summary>Explains addresses and byte order: text ⇄ sockaddr ⇄ wire bytes ⇄ /proc/net spelling.</summary>
public static class SockaddrExplainer
{
    private const int SunPathSize = 108;

    /// <summary>
    /// Explains "127.0.0.1:8080", "[::1]:443", "10.0.0.1", a Unix path ("/run/x.sock", "@abstract"), or decodes a
    /// /proc/net spelling ("0100007F:1F90", a 32-hex-digit tcp6 address). Malformed input is a usage error.
    /// </summary>
    public static SockaddrExplanation Explain(string input)
    {
        var text = input.Trim();
        if (text.Length == 0)
            throw SockException.Usage("address", "''", "empty");
        if (IsProcSpelling(text))
            return Decode(input, text);
        if (text[0] is '/' or '@' || text.StartsWith("./", StringComparison.Ordinal) || text.StartsWith("../", StringComparison.Ordinal))
            return ExplainUnix(input, text);
        var (host, portText) = EndpointText.Split(text);
        var address = EndpointText.ParseAddress(host);
        int? port = portText is null ? null : Ports.Parse(portText, "port", allowZero: true);
        return ExplainIp(input, "encode", address, port);
    }

    private static bool IsProcSpelling(string s)
    {
        var colon = s.IndexOf(':');
        if (colon is not (8 or 32) || s.Length != colon + 5) return false;
        return s.Where((c, i) => i != colon).All(char.IsAsciiHexDigit);
    }

    private static SockaddrExplanation Decode(string input, string text)
    {
        var colon = text.IndexOf(':');
        var hex = text[..colon];
        var port = int.Parse(text[(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var bytes = new byte[hex.Length / 2];
        for (var w = 0; w < bytes.Length / 4; w++)
        {
            // Each 32-bit word was printed with %08X from a host-order read of network-order bytes.
            var word = uint.Parse(hex.AsSpan(w * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (BitConverter.IsLittleEndian) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(w * 4), word);
            else BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(w * 4), word);
        }
        return ExplainIp(input, "decode", new IPAddress(bytes), port);
    }

    private static SockaddrExplanation ExplainIp(string input, string direction, IPAddress address, int? port)
    {
        var le = BitConverter.IsLittleEndian;
        var p = port ?? 0;
        var addrBytes = address.GetAddressBytes();
        var portBytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(portBytes, (ushort)p);
        var htons = BitConverter.ToUInt16(portBytes);
        var notes = new List<string>();
        string procNet;
        byte[] sockaddr;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var value = BinaryPrimitives.ReadUInt32BigEndian(addrBytes);
            var htonl = BitConverter.ToUInt32(addrBytes);
            procNet = string.Create(CultureInfo.InvariantCulture, $"{htonl:X8}:{p:X4}");
            sockaddr = new byte[16];
            WriteFamily(sockaddr, 2);
            portBytes.CopyTo(sockaddr, 2);
            addrBytes.CopyTo(sockaddr, 4);
            if (address.Equals(IPAddress.Any)) notes.Add("0.0.0.0 is INADDR_ANY: bound there, a socket takes connections on every IPv4 address of the host.");
            if (IPAddress.IsLoopback(address)) notes.Add("127.0.0.0/8 is loopback: traffic never leaves this host.");
            if (port is null) notes.Add("No port given: the port fields show 0, which bind() takes as 'pick an ephemeral port'.");
            return new SockaddrExplanation
            {
                Input = input, Direction = direction, Family = "AF_INET", FamilyValue = 2, Struct = "sockaddr_in", StructSize = 16,
                StructBytes = Hex(sockaddr), Address = address.ToString(), Endpoint = port is null ? address.ToString() : EndpointText.Format(address, p),
                Port = port, PortClass = port is null ? null : Ports.Describe(Ports.Classify(p)),
                PortHex = string.Create(CultureInfo.InvariantCulture, $"0x{p:X4} ({p})"), PortNetworkBytes = Hex(portBytes),
                Htons = string.Create(CultureInfo.InvariantCulture, $"0x{htons:X4} ({htons})"),
                AddressValue = string.Create(CultureInfo.InvariantCulture, $"0x{value:X8} ({value})"),
                Htonl = string.Create(CultureInfo.InvariantCulture, $"0x{htonl:X8} ({htonl})"),
                WireBytes = Hex(addrBytes), ProcNet = procNet, LittleEndianHost = le, Notes = notes,
            };
        }

        var words = new StringBuilder();
        for (var w = 0; w < 4; w++)
            words.Append(BitConverter.ToUInt32(addrBytes, w * 4).ToString("X8", CultureInfo.InvariantCulture));
        procNet = string.Create(CultureInfo.InvariantCulture, $"{words}:{p:X4}");
        sockaddr = new byte[28];
        WriteFamily(sockaddr, 10);
        portBytes.CopyTo(sockaddr, 2);
        addrBytes.CopyTo(sockaddr, 8);
        BitConverter.TryWriteBytes(sockaddr.AsSpan(24), (uint)address.ScopeId);
        if (address.Equals(IPAddress.IPv6Any)) notes.Add(":: is in6addr_any: with IPV6_V6ONLY off (Linux's default) a socket bound there also takes IPv4 connections, seen as ::ffff:a.b.c.d.");
        if (address.Equals(IPAddress.IPv6Loopback)) notes.Add("::1 is the IPv6 loopback address.");
        if (address.IsIPv4MappedToIPv6) notes.Add($"An IPv4-mapped address: the IPv4 peer {address.MapToIPv4()} as an AF_INET6 socket sees it.");
        if (address.IsIPv6LinkLocal) notes.Add("Link-local: sin6_scope_id names the interface the address belongs to.");
        notes.Add("/proc/net/tcp6 prints the 16 address bytes as four 32-bit words, each read in host order.");
        if (port is null) notes.Add("No port given: the port fields show 0, which bind() takes as 'pick an ephemeral port'.");
        return new SockaddrExplanation
        {
            Input = input, Direction = direction, Family = "AF_INET6", FamilyValue = 10, Struct = "sockaddr_in6", StructSize = 28,
            StructBytes = Hex(sockaddr), Address = address.ToString(), Endpoint = port is null ? address.ToString() : EndpointText.Format(address, p),
            Port = port, PortClass = port is null ? null : Ports.Describe(Ports.Classify(p)),
            PortHex = string.Create(CultureInfo.InvariantCulture, $"0x{p:X4} ({p})"), PortNetworkBytes = Hex(portBytes),
            Htons = string.Create(CultureInfo.InvariantCulture, $"0x{htons:X4} ({htons})"),
            WireBytes = Hex(addrBytes), ProcNet = procNet, LittleEndianHost = le, Notes = notes,
        };
    }

    private static SockaddrExplanation ExplainUnix(string input, string path)
    {
        var isAbstract = path[0] == '@';
        var name = Encoding.UTF8.GetBytes(isAbstract ? path[1..] : path);
        // A path needs its terminating NUL inside sun_path; an abstract name starts with a NUL instead.
        var limit = isAbstract ? SunPathSize - 1 : SunPathSize - 1;
        var notes = new List<string>();
        if (isAbstract)
            notes.Add("An abstract name (Linux only): sun_path starts with a NUL byte, nothing appears in the file system, and the name goes when the last socket closes.");
        else
            notes.Add("A path in the file system: bind() creates the socket file, and it stays after close() until someone unlinks it.");
        if (name.Length > limit)
            notes.Add($"Too long: {name.Length} bytes, and sun_path holds at most {limit}; bind() fails with EINVAL or the name is cut.");
        var size = 2 + Math.Min(name.Length, limit) + (isAbstract ? 1 : 1);
        var sockaddr = new byte[size];
        WriteFamily(sockaddr, 1);
        name.AsSpan(0, Math.Min(name.Length, limit)).CopyTo(sockaddr.AsSpan(isAbstract ? 3 : 2));
        notes.Add("Unix sockets have no port and no byte order to mind: the path is the address. The struct is 110 bytes; the kernel is told only the used length.");
        return new SockaddrExplanation
        {
            Input = input, Direction = "encode", Family = "AF_UNIX", FamilyValue = 1, Struct = "sockaddr_un", StructSize = 2 + SunPathSize,
            StructBytes = Hex(sockaddr), Path = path, PathBytes = name.Length, PathLimit = limit, LittleEndianHost = BitConverter.IsLittleEndian,
            Notes = notes,
        };
    }

    private static void WriteFamily(byte[] sockaddr, ushort family) =>
        // sa_family is a host-order integer, unlike the port and address after it.
        BitConverter.TryWriteBytes(sockaddr.AsSpan(0, 2), family);

    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
