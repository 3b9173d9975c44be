using System.Globalization;
using System.Net.Sockets;

namespace Sock.Core.Proxies;

/// <summary>The REP field of a SOCKS5 reply (RFC 1928 §6): what the proxy says of the connection it was asked for.</summary>
internal enum Socks5Reply : byte
{
    /// <summary>X'00': the proxy connected.</summary>
    Succeeded = 0,

    /// <summary>X'01': general SOCKS server failure.</summary>
    GeneralFailure = 1,

    /// <summary>X'02': connection not allowed by ruleset.</summary>
    NotAllowed = 2,

    /// <summary>X'03': network unreachable.</summary>
    NetworkUnreachable = 3,

    /// <summary>X'04': host unreachable.</summary>
    HostUnreachable = 4,

    /// <summary>X'05': connection refused.</summary>
    ConnectionRefused = 5,

    /// <summary>X'06': TTL expired.</summary>
    TtlExpired = 6,

    /// <summary>X'07': command not supported.</summary>
    CommandNotSupported = 7,

    /// <summary>X'08': address type not supported.</summary>
    AddressTypeNotSupported = 8,
}

/// <summary>The words for each <see cref="Socks5Reply"/>, shared by the client (its errors) and the server (its log).</summary>
internal static class Socks5ReplyText
{
    /// <summary>
    /// RFC 1928's own words for <paramref name="code"/>, lower case, as a clause of a one-line error; codes the RFC leaves
    /// unassigned (9–255) are said to be so. The code itself is not in the text: callers add "(reply N)".
    /// </summary>
    public static string Describe(byte code) => (Socks5Reply)code switch
    {
        Socks5Reply.Succeeded => "succeeded",
        Socks5Reply.GeneralFailure => "general SOCKS server failure",
        Socks5Reply.NotAllowed => "connection not allowed by ruleset",
        Socks5Reply.NetworkUnreachable => "network unreachable",
        Socks5Reply.HostUnreachable => "host unreachable",
        Socks5Reply.ConnectionRefused => "connection refused",
        Socks5Reply.TtlExpired => "TTL expired",
        Socks5Reply.CommandNotSupported => "command not supported",
        Socks5Reply.AddressTypeNotSupported => "address type not supported",
        _ => "an unassigned reply code",
    };

    /// <summary>The reason of an error for a failure reply: "connection refused (reply 5)".</summary>
    public static string Reason(byte code) => string.Create(CultureInfo.InvariantCulture, $"{Describe(code)} (reply {code})");

    /// <summary>
    /// The reply a proxy sends when its own connect to the destination failed with <paramref name="error"/> (RFC 1928
    /// names refused, network and host unreachable and TTL expired; everything else is a general failure).
    /// </summary>
    public static Socks5Reply FromSocketError(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => Socks5Reply.ConnectionRefused,
        SocketError.NetworkUnreachable or SocketError.NetworkDown => Socks5Reply.NetworkUnreachable,
        SocketError.HostUnreachable or SocketError.HostDown or SocketError.HostNotFound or SocketError.NoData
            or SocketError.TryAgain => Socks5Reply.HostUnreachable,
        SocketError.TimedOut => Socks5Reply.TtlExpired,
        SocketError.AddressFamilyNotSupported => Socks5Reply.AddressTypeNotSupported,
        _ => Socks5Reply.GeneralFailure,
    };
}
