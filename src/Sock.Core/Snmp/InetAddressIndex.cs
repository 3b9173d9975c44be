using System.Net;
using System.Net.Sockets;

namespace Sock.Core.Snmp;

/// <summary>
/// InetAddressType and InetAddress (RFC 4001) as table index arcs: the type, the length, then each byte. IPv4-mapped
/// IPv6 addresses (a dual-stack socket's IPv4 peers) are given as IPv4, the family the traffic has on the wire.
/// </summary>
internal static class InetAddressIndex
{
    public const uint Unknown = 0, IPv4 = 1, IPv6 = 2;

    public static void Append(List<uint> arcs, IPAddress? address)
    {
        if (address is null) { arcs.Add(Unknown); arcs.Add(0); return; }
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var bytes = address.GetAddressBytes();
        arcs.Add(address.AddressFamily == AddressFamily.InterNetwork ? IPv4 : IPv6);
        arcs.Add((uint)bytes.Length);
        foreach (var b in bytes) arcs.Add(b);
    }

    /// <summary>Reads a type and address at <paramref name="at"/>; null when the arcs do not hold one.</summary>
    public static IPAddress? Read(ReadOnlySpan<uint> arcs, ref int at)
    {
        if (at + 2 > arcs.Length) return null;
        var type = arcs[at];
        var length = (int)Math.Min(arcs[at + 1], 64);
        if (at + 2 + length > arcs.Length) return null;
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            if (arcs[at + 2 + i] > 255) return null;
            bytes[i] = (byte)arcs[at + 2 + i];
        }
        at += 2 + length;
        return (type, length) switch
        {
            (IPv4, 4) or (IPv6, 16) => new IPAddress(bytes),
            (3, 8) => new IPAddress(bytes.AsSpan(0, 4)),          // ipv4z: the zone index follows
            (4, 20) => new IPAddress(bytes.AsSpan(0, 16).ToArray(), BitConverter.ToUInt32(bytes.AsSpan(16)) ),
            _ => null,
        };
    }
}
