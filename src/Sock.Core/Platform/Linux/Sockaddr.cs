using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>
/// <c>sockaddr_in</c> and <c>sockaddr_in6</c> as Linux lays them out, for the calls made straight on descriptors:
/// the family in host order (little-endian on x86-64 and arm64), the port in network order.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class Sockaddr
{
    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;

    /// <summary>The largest of the two: sockaddr_in6's 28 bytes.</summary>
    public const int MaxLength = 28;

    /// <summary>Writes <paramref name="address"/>:<paramref name="port"/> into <paramref name="buffer"/> (at least <see cref="MaxLength"/> bytes); returns its length.</summary>
    public static int Write(IPAddress address, int port, Span<byte> buffer)
    {
        buffer[..MaxLength].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], (ushort)port);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(buffer, AfInet);
            address.TryWriteBytes(buffer[4..8], out _);
            return 16;
        }
        BinaryPrimitives.WriteUInt16LittleEndian(buffer, AfInet6);
        address.TryWriteBytes(buffer[8..24], out _);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[24..], (uint)address.ScopeId);
        return 28;
    }

    /// <summary>Writes <paramref name="endpoint"/>; returns its length.</summary>
    public static int Write(IPEndPoint endpoint, Span<byte> buffer) => Write(endpoint.Address, endpoint.Port, buffer);

    /// <summary>A sockaddr_in or sockaddr_in6 as the kernel wrote it; null for any other family.</summary>
    public static IPEndPoint? Parse(ReadOnlySpan<byte> s)
    {
        if (s.Length < 2) return null;
        var family = BinaryPrimitives.ReadUInt16LittleEndian(s);
        var port = s.Length >= 4 ? BinaryPrimitives.ReadUInt16BigEndian(s[2..]) : 0;
        if (family == AfInet && s.Length >= 8) return new IPEndPoint(new IPAddress(s.Slice(4, 4)), port);
        if (family == AfInet6 && s.Length >= 24)
        {
            var scope = s.Length >= 28 ? BinaryPrimitives.ReadUInt32LittleEndian(s[24..]) : 0;
            return new IPEndPoint(new IPAddress(s.Slice(8, 16), scope), port);
        }
        return null;
    }
}
