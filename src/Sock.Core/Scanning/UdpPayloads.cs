using System.Buffers.Binary;

namespace Sock.Core.Scanning;

/// <summary>
/// What a UDP probe sends. Most UDP services ignore a datagram they cannot parse, so nmap sends well-formed requests to
/// the ports whose services need one; sock does the same for DNS, NTP and the small inetd services, and sends an
/// empty datagram elsewhere (as nmap does).
/// </summary>
internal static class UdpPayloads
{
    /// <summary>The datagram sent to <paramref name="port"/>.</summary>
    public static byte[] For(int port) => port switch
    {
        53 => DnsQuery(),
        123 => NtpRequest(),
        7 => "sock-udp-probe\r\n"u8.ToArray(),  // echo (RFC 862) sends it back
        13 or 17 or 19 or 37 => "\r\n"u8.ToArray(), // daytime, qotd, chargen, time: any datagram asks for an answer
        _ => [],
    };

    /// <summary>A name the payload is known by, for display: "dns", "ntp", "echo"… or null for the empty datagram.</summary>
    public static string? NameOf(int port) => port switch
    {
        53 => "dns",
        123 => "ntp",
        7 => "echo",
        13 => "daytime",
        17 => "qotd",
        19 => "chargen",
        37 => "time",
        _ => null,
    };

    /// <summary>
    /// A DNS query (RFC 1035) for the TXT record version.bind in class CHAOS: every DNS server answers it, with the
    /// version or with an error code; either way a datagram comes back.
    /// </summary>
    private static byte[] DnsQuery()
    {
        var q = new List<byte>();
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, 0x736b);      // id "sk"
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], 0x0000); // standard query, no recursion
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], 1);      // one question
        q.AddRange(header.ToArray());
        foreach (var label in new[] { "version", "bind" })
        {
            q.Add((byte)label.Length);
            q.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }
        q.Add(0);
        q.AddRange(new byte[] { 0, 16, 0, 3 }); // QTYPE TXT, QCLASS CH
        return [.. q];
    }

    /// <summary>An NTPv4 client request (RFC 5905): 48 bytes, LI 3 (unsynchronised), version 4, mode 3 (client).</summary>
    private static byte[] NtpRequest()
    {
        var p = new byte[48];
        p[0] = 0b11_100_011;
        return p;
    }
}
