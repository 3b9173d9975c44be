using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Sock.Core.Snmp;

/// <summary>
/// USM's keys: password to key (RFC 3414 §A.2: the password repeated over 1 MiB and hashed), localisation to an engine
/// (H(Ku ‖ engineID ‖ Ku)), and the HMAC with its truncated length (RFC 3414, RFC 7860). Password to key is costly (a
/// hash of 1 MiB), so keys are cached per protocol and password, and localised keys per engine too.
/// </summary>
internal static class UsmKeys
{
    private const int ExpansionLength = 1_048_576;
    private static readonly ConcurrentDictionary<(UsmAuthProtocol, string), byte[]> Passwords = new();
    private static readonly ConcurrentDictionary<(UsmAuthProtocol, string, string), byte[]> Localised = new();

    /// <summary>The MAC's length in msgAuthenticationParameters.</summary>
    public static int MacLength(UsmAuthProtocol p) => p switch
    {
        UsmAuthProtocol.Md5 or UsmAuthProtocol.Sha1 => 12,
        UsmAuthProtocol.Sha224 => 16,
        UsmAuthProtocol.Sha256 => 24,
        UsmAuthProtocol.Sha384 => 32,
        UsmAuthProtocol.Sha512 => 48,
        _ => 0,
    };

    private static byte[] Hash(UsmAuthProtocol p, ReadOnlySpan<byte> data) => p switch
    {
        UsmAuthProtocol.Md5 => MD5.HashData(data),
        UsmAuthProtocol.Sha1 => SHA1.HashData(data),
        UsmAuthProtocol.Sha224 => Sha224(data),
        UsmAuthProtocol.Sha256 => SHA256.HashData(data),
        UsmAuthProtocol.Sha384 => SHA384.HashData(data),
        UsmAuthProtocol.Sha512 => SHA512.HashData(data),
        _ => throw new ArgumentOutOfRangeException(nameof(p)),
    };

    /// <summary>The full HMAC of <paramref name="data"/> (callers truncate to <see cref="MacLength"/>).</summary>
    public static byte[] Hmac(UsmAuthProtocol p, byte[] key, ReadOnlySpan<byte> data) => p switch
    {
        UsmAuthProtocol.Md5 => HMACMD5.HashData(key, data),
        UsmAuthProtocol.Sha1 => HMACSHA1.HashData(key, data),
        UsmAuthProtocol.Sha224 => HmacSha224(key, data),
        UsmAuthProtocol.Sha256 => HMACSHA256.HashData(key, data),
        UsmAuthProtocol.Sha384 => HMACSHA384.HashData(key, data),
        UsmAuthProtocol.Sha512 => HMACSHA512.HashData(key, data),
        _ => throw new ArgumentOutOfRangeException(nameof(p)),
    };

    /// <summary>Ku: the password to key algorithm, before localisation.</summary>
    public static byte[] PasswordToKey(UsmAuthProtocol p, string password) =>
        Passwords.GetOrAdd((p, password), static k =>
        {
            var pw = System.Text.Encoding.UTF8.GetBytes(k.Item2);
            if (pw.Length == 0) throw new ArgumentException("an empty password has no key");
            var expanded = new byte[ExpansionLength];
            for (var i = 0; i < expanded.Length; i++) expanded[i] = pw[i % pw.Length];
            return Hash(k.Item1, expanded);
        });

    /// <summary>Kul: <paramref name="ku"/> localised to <paramref name="engineId"/>.</summary>
    public static byte[] Localise(UsmAuthProtocol p, ReadOnlySpan<byte> ku, ReadOnlySpan<byte> engineId)
    {
        var buffer = new byte[ku.Length * 2 + engineId.Length];
        ku.CopyTo(buffer);
        engineId.CopyTo(buffer.AsSpan(ku.Length));
        ku.CopyTo(buffer.AsSpan(ku.Length + engineId.Length));
        return Hash(p, buffer);
    }

    /// <summary>The localised key for a password, cached per protocol, password and engine.</summary>
    public static byte[] LocalisedKey(UsmAuthProtocol p, string password, ReadOnlySpan<byte> engineId) =>
        Localised.GetOrAdd((p, password, Convert.ToHexString(engineId)), static (k, state) =>
            Localise(k.Item1, PasswordToKey(k.Item1, k.Item2), Convert.FromHexString(k.Item3)), 0);

    /// <summary>A user's keys localised to <paramref name="engineId"/>.</summary>
    public static UsmLocalKeys For(UsmUser user, ReadOnlySpan<byte> engineId)
    {
        if (user.AuthProtocol == UsmAuthProtocol.None) return new UsmLocalKeys(UsmAuthProtocol.None, [], UsmPrivProtocol.None, []);
        var auth = LocalisedKey(user.AuthProtocol, user.AuthPassword, engineId);
        // RFC 3826 §1.2: the AES key is the first 16 bytes of the privacy password's key, localised with the auth hash.
        var priv = user.PrivProtocol == UsmPrivProtocol.None ? [] : LocalisedKey(user.AuthProtocol, user.PrivPassword, engineId)[..16];
        return new UsmLocalKeys(user.AuthProtocol, auth, user.PrivProtocol, priv);
    }

    // .NET has no SHA-224: it is SHA-256 with other initial values, cut to 28 bytes (FIPS 180-4 §5.3.2, §6.3).
    private static byte[] Sha224(ReadOnlySpan<byte> data) => Sha224Hash.Compute(data);

    // HMAC (RFC 2104) over SHA-224, block size 64.
    private static byte[] HmacSha224(byte[] key, ReadOnlySpan<byte> data)
    {
        var k = key.Length > 64 ? Sha224(key) : key;
        var ipad = new byte[64 + data.Length];
        var opad = new byte[64 + 28];
        for (var i = 0; i < 64; i++)
        {
            var b = i < k.Length ? k[i] : (byte)0;
            ipad[i] = (byte)(b ^ 0x36);
            opad[i] = (byte)(b ^ 0x5c);
        }
        data.CopyTo(ipad.AsSpan(64));
        Sha224(ipad).CopyTo(opad.AsSpan(64));
        return Sha224(opad);
    }
}

/// <summary>A user's keys localised to one engine: what signs, checks, encrypts and decrypts its messages.</summary>
internal sealed record UsmLocalKeys(UsmAuthProtocol Auth, byte[] AuthKey, UsmPrivProtocol Priv, byte[] PrivKey)
{
    public int MacLength => UsmKeys.MacLength(Auth);
}
