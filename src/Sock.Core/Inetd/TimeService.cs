using System.Buffers.Binary;
using System.Buffers;
using Sock.Core.Connections;
using Sock.Core.Serving;

namespace Sock.Core.Inetd;

/// <summary>RFC 868: the seconds since 1900-01-01 00:00 UTC as a 32-bit big-endian number (what rdate -p reads), then close.</summary>
public static class TimeService
{
    /// <summary>Seconds from 1900-01-01 to 1970-01-01.</summary>
    public const long SecondsFrom1900To1970 = 2_208_988_800;

    /// <summary>The RFC 868 value for <paramref name="now"/>; it wraps in 2036, as the RFC's 32 bits do.</summary>
    public static uint Seconds(DateTimeOffset now) => unchecked((uint)(now.ToUnixTimeSeconds() + SecondsFrom1900To1970));

    /// <summary>The four bytes for <paramref name="now"/>.</summary>
    public static byte[] Bytes(DateTimeOffset now)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, Seconds(now));
        return b;
    }

    /// <summary>Sends the time and closes.</summary>
    public static async ValueTask ServeAsync(Connection connection)
    {
        connection.Output.Write(Bytes(DateTimeOffset.UtcNow));
        await connection.Output.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Answers any datagram with the time.</summary>
    public static ValueTask ServeAsync(ReceivedDatagram datagram) => datagram.ReplyAsync(Bytes(DateTimeOffset.UtcNow));
}
