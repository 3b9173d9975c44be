namespace Sock.Core.Snmp;

/// <summary>Security levels and USM protocols as net-snmp spells them (snmpcmd(1)'s -l, -a, -x; snmpd.conf's createUser).</summary>
internal static class UsmNames
{
    public static string Level(SnmpSecurityLevel level) => level switch
    {
        SnmpSecurityLevel.AuthNoPriv => "authNoPriv",
        SnmpSecurityLevel.AuthPriv => "authPriv",
        _ => "noAuthNoPriv",
    };

    public static string Auth(UsmAuthProtocol p) => p switch
    {
        UsmAuthProtocol.Md5 => "MD5",
        UsmAuthProtocol.Sha1 => "SHA",
        UsmAuthProtocol.Sha224 => "SHA-224",
        UsmAuthProtocol.Sha256 => "SHA-256",
        UsmAuthProtocol.Sha384 => "SHA-384",
        UsmAuthProtocol.Sha512 => "SHA-512",
        _ => "none",
    };

    public static string Priv(UsmPrivProtocol p) => p == UsmPrivProtocol.Aes128 ? "AES" : "none";

    /// <summary>-l: net-snmp takes any case, and 1/2/3 for the three levels.</summary>
    public static bool TryParseLevel(string text, out SnmpSecurityLevel level, out string why)
    {
        why = "";
        switch (text.ToLowerInvariant())
        {
            case "noauthnopriv" or "noauth" or "nanp" or "1": level = SnmpSecurityLevel.NoAuthNoPriv; return true;
            case "authnopriv" or "auth" or "anp" or "2": level = SnmpSecurityLevel.AuthNoPriv; return true;
            case "authpriv" or "priv" or "ap" or "3": level = SnmpSecurityLevel.AuthPriv; return true;
        }
        level = default;
        why = "the level is noAuthNoPriv, authNoPriv or authPriv";
        return false;
    }

    /// <summary>-a: MD5, SHA (SHA1, SHA-1), SHA-224, SHA-256, SHA-384, SHA-512, in any case.</summary>
    public static bool TryParseAuth(string text, out UsmAuthProtocol protocol, out string why)
    {
        why = "";
        protocol = text.ToUpperInvariant() switch
        {
            "MD5" => UsmAuthProtocol.Md5,
            "SHA" or "SHA1" or "SHA-1" => UsmAuthProtocol.Sha1,
            "SHA-224" or "SHA224" => UsmAuthProtocol.Sha224,
            "SHA-256" or "SHA256" => UsmAuthProtocol.Sha256,
            "SHA-384" or "SHA384" => UsmAuthProtocol.Sha384,
            "SHA-512" or "SHA512" => UsmAuthProtocol.Sha512,
            _ => UsmAuthProtocol.None,
        };
        if (protocol != UsmAuthProtocol.None) return true;
        why = "the authentication protocol is MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512";
        return false;
    }

    /// <summary>-x: AES (AES-128). DES and the non-standard AES-192/AES-256 are refused, saying why.</summary>
    public static bool TryParsePriv(string text, out UsmPrivProtocol protocol, out string why)
    {
        why = "";
        protocol = UsmPrivProtocol.None;
        switch (text.ToUpperInvariant())
        {
            case "AES" or "AES-128" or "AES128":
                protocol = UsmPrivProtocol.Aes128;
                return true;
            case "DES" or "3DES" or "3DESEDE":
                why = "DES privacy is not supported (its 56-bit key is broken): use AES";
                return false;
            case "AES-192" or "AES192" or "AES-256" or "AES256":
                why = "only AES-128 is supported (RFC 3826; AES-192 and AES-256 are a draft net-snmp and vendors disagree on): use AES";
                return false;
        }
        why = "the privacy protocol is AES (AES-128)";
        return false;
    }
}
