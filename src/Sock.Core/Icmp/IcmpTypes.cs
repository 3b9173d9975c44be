namespace Sock.Core.Icmp;

/// <summary>The ICMP and ICMPv6 message types ping and traceroute deal in, and iputils' words for the errors.</summary>
internal static class IcmpTypes
{
    /// <summary>ICMP echo reply.</summary>
    public const byte V4EchoReply = 0;
    /// <summary>ICMP destination unreachable.</summary>
    public const byte V4Unreachable = 3;
    /// <summary>ICMP echo request.</summary>
    public const byte V4EchoRequest = 8;
    /// <summary>ICMP time exceeded.</summary>
    public const byte V4TimeExceeded = 11;
    /// <summary>ICMPv6 destination unreachable.</summary>
    public const byte V6Unreachable = 1;
    /// <summary>ICMPv6 packet too big.</summary>
    public const byte V6PacketTooBig = 2;
    /// <summary>ICMPv6 time exceeded.</summary>
    public const byte V6TimeExceeded = 3;
    /// <summary>ICMPv6 echo request.</summary>
    public const byte V6EchoRequest = 128;
    /// <summary>ICMPv6 echo reply.</summary>
    public const byte V6EchoReply = 129;

    /// <summary>True for time exceeded in transit (TTL or hop limit reached zero at a router).</summary>
    public static bool IsTimeExceeded(byte type, bool v6) => v6 ? type == V6TimeExceeded : type == V4TimeExceeded;

    /// <summary>True for destination unreachable.</summary>
    public static bool IsUnreachable(byte type, bool v6) => v6 ? type == V6Unreachable : type == V4Unreachable;

    /// <summary>True for port unreachable: a UDP probe reached the destination host.</summary>
    public static bool IsPortUnreachable(byte type, byte code, bool v6) => v6 ? type == V6Unreachable && code == 4 : type == V4Unreachable && code == 3;

    /// <summary>iputils ping's words for an ICMP error: "Destination Host Unreachable", "Time to live exceeded"…</summary>
    public static string Describe(byte type, byte code, uint info, bool v6) => v6 ? DescribeV6(type, code, info) : DescribeV4(type, code, info);

    /// <summary>traceroute's mark for an unreachable: !H, !N, !P, !X… (empty for port unreachable, the expected end).</summary>
    public static string TracerouteMark(byte type, byte code, bool v6)
    {
        if (v6)
            return type != V6Unreachable ? "" : code switch
            {
                0 => "!N", 1 => "!X", 3 => "!H", 4 => "", 5 => "!S", 6 => "!R", _ => $"!<{code}>",
            };
        return type != V4Unreachable ? "" : code switch
        {
            0 or 6 => "!N", 1 or 7 => "!H", 2 => "!P", 3 => "", 4 => "!F", 5 => "!S", 9 or 10 or 13 => "!X",
            14 => "!V", 15 => "!C", _ => $"!<{code}>",
        };
    }

    private static string DescribeV4(byte type, byte code, uint info) => type switch
    {
        V4Unreachable => code switch
        {
            0 => "Destination Net Unreachable",
            1 => "Destination Host Unreachable",
            2 => "Destination Protocol Unreachable",
            3 => "Destination Port Unreachable",
            4 => $"Frag needed and DF set (mtu = {info & 0xFFFF})",
            5 => "Source Route Failed",
            6 => "Destination Net Unknown",
            7 => "Destination Host Unknown",
            8 => "Source Host Isolated",
            9 => "Destination Net Prohibited",
            10 => "Destination Host Prohibited",
            11 => "Destination Net Unreachable for Type of Service",
            12 => "Destination Host Unreachable for Type of Service",
            13 => "Packet filtered",
            14 => "Precedence Violation",
            15 => "Precedence Cutoff",
            _ => $"Dest Unreachable, Bad Code: {code}",
        },
        4 => "Source Quench",
        5 => code switch { 0 => "Redirect Network", 1 => "Redirect Host", 2 => "Redirect Type of Service and Network", 3 => "Redirect Type of Service and Host", _ => $"Redirect, Bad Code: {code}" },
        V4TimeExceeded => code switch { 0 => "Time to live exceeded", 1 => "Frag reassembly time exceeded", _ => $"Time exceeded, Bad Code: {code}" },
        12 => "Parameter problem",
        _ => $"Bad ICMP type: {type}",
    };

    private static string DescribeV6(byte type, byte code, uint info) => type switch
    {
        V6Unreachable => "Destination unreachable: " + code switch
        {
            0 => "No route",
            1 => "Administratively prohibited",
            2 => "Beyond scope of source address",
            3 => "Address unreachable",
            4 => "Port unreachable",
            _ => $"Unknown code {code}",
        },
        V6PacketTooBig => $"Packet too big: mtu={info}" + (code != 0 ? $", code={code}" : ""),
        V6TimeExceeded => "Time exceeded: " + code switch { 0 => "Hop limit", 1 => "Defragmentation failure", _ => $"code {code}" },
        4 => $"Parameter problem: code {code} at {info}",
        _ => $"Unknown icmp type: {type}",
    };
}
