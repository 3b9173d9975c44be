using System.Globalization;

namespace Sock.Core.Proxies;

/// <summary>The CD field of a SOCKS4 reply (SOCKS4 protocol, and SOCKS4a's extension of it).</summary>
internal enum Socks4Reply : byte
{
    /// <summary>90: request granted.</summary>
    Granted = 90,

    /// <summary>91: request rejected or failed.</summary>
    Rejected = 91,

    /// <summary>92: rejected because the SOCKS server cannot connect to identd on the client.</summary>
    NoIdentd = 92,

    /// <summary>93: rejected because the client program and identd report different user IDs.</summary>
    IdentMismatch = 93,
}

/// <summary>The words for each <see cref="Socks4Reply"/>.</summary>
internal static class Socks4ReplyText
{
    /// <summary>The protocol's own words for <paramref name="code"/>, lower case.</summary>
    public static string Describe(byte code) => (Socks4Reply)code switch
    {
        Socks4Reply.Granted => "request granted",
        Socks4Reply.Rejected => "request rejected or failed",
        Socks4Reply.NoIdentd => "request rejected: the proxy cannot reach identd on this host",
        Socks4Reply.IdentMismatch => "request rejected: identd reports another user ID",
        _ => "an unknown reply code",
    };

    /// <summary>The reason of an error for a failure reply: "request rejected or failed (reply 91)".</summary>
    public static string Reason(byte code) => string.Create(CultureInfo.InvariantCulture, $"{Describe(code)} (reply {code})");
}
