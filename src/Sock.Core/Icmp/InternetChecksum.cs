namespace Sock.Core.Icmp;

/// <summary>The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit words.</summary>
internal static class InternetChecksum
{
    /// <summary>The checksum of <paramref name="data"/>, to store big-endian; over a message that holds its own checksum the result is 0.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data, uint initial = 0)
    {
        var sum = initial;
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
            sum += (uint)((data[i] << 8) | data[i + 1]);
        if (i < data.Length)
            sum += (uint)(data[i] << 8);
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }
}
