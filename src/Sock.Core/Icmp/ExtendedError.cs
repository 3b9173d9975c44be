using System.Net;

namespace Sock.Core.Icmp;

/// <summary>
/// What IP_RECVERR / IPV6_RECVERR hand back from the error queue (struct sock_extended_err): where the error came
/// from (the local stack, or an ICMP/ICMPv6 message from <see cref="Offender"/>), its type and code, and ee_info (the
/// path MTU for "too big").
/// </summary>
internal readonly record struct ExtendedError(int Errno, ExtendedErrorOrigin Origin, byte Type, byte Code, uint Info, IPAddress? Offender);

/// <summary>sock_extended_err's ee_origin.</summary>
internal enum ExtendedErrorOrigin
{
    /// <summary>SO_EE_ORIGIN_NONE.</summary>
    None = 0,
    /// <summary>SO_EE_ORIGIN_LOCAL: the local stack (EMSGSIZE with the known path MTU, for one).</summary>
    Local = 1,
    /// <summary>SO_EE_ORIGIN_ICMP: an ICMP message from a router or the destination.</summary>
    Icmp = 2,
    /// <summary>SO_EE_ORIGIN_ICMP6: an ICMPv6 message.</summary>
    Icmp6 = 3,
}
