using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Sock.Core.Proxies;

/// <summary>
/// HTTP proxy authentication on the server's side: Basic (RFC 7617), and Digest (RFC 7616, qop=auth, SHA-256 and MD5)
/// when asked for, as ncat's proxy offers both. Nonces carry their own time and a MAC under a key made at start, so
/// the server keeps no table of them: a nonce older than <see cref="NonceLifetime"/> is answered stale=true and the
/// client asks again without the user retyping anything. Nonce counts are not tracked (a captured Digest answer can
/// be replayed within the nonce's lifetime, as with many proxies that keep no state).
/// </summary>
internal sealed class HttpProxyAuthentication(ProxyUsers users, string realm, bool digest, bool ncat = false)
{
    public static readonly TimeSpan NonceLifetime = TimeSpan.FromMinutes(5);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly string _opaque = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>
    /// Checks a Proxy-Authorization value for a request with <paramref name="method"/> and <paramref name="target"/>
    /// (the request line's). Returns the user, or null with why (the 407 follows).
    /// </summary>
    public (string? User, string Why, bool Stale) Check(string? authorization, string method, string target)
    {
        if (authorization is null) return (null, "authentication required: no Proxy-Authorization", false);
        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        var scheme = space < 0 ? authorization : authorization[..space];
        var rest = space < 0 ? "" : authorization[(space + 1)..].Trim();
        if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            byte[] decoded;
            try { decoded = Convert.FromBase64String(rest); }
            catch (FormatException) { return (null, "malformed Basic credentials", false); }
            var colon = Array.IndexOf(decoded, (byte)':');
            if (colon < 0) return (null, "malformed Basic credentials", false);
            var user = Encoding.UTF8.GetString(decoded, 0, colon);
            return users.Check(user, decoded.AsSpan(colon + 1))
                ? (user, "", false)
                : (null, $"authentication failed for user {Socks5ServerHandshake.Printable(user)}", false);
        }
        if (digest && scheme.Equals("Digest", StringComparison.OrdinalIgnoreCase)) return CheckDigest(rest, method, target);
        return (null, $"authentication scheme {Socks5ServerHandshake.Printable(scheme)} not offered", false);
    }

    /// <summary>The Proxy-Authenticate header lines of a 407: Digest (SHA-256, then MD5) if offered, then Basic.</summary>
    public IEnumerable<string> Challenges(bool stale)
    {
        if (digest && ncat)
        {
            // ncat's own words: its proxy client reads these (it gives up on a SHA-256 challenge or unknown parameters).
            yield return $"Proxy-Authenticate: Digest realm=\"{realm}\", nonce=\"{NewNonce()}\", qop=\"auth\"{(stale ? ", stale=true" : "")}";
            yield return $"Proxy-Authenticate: Basic realm=\"{realm}\"";
            yield break;
        }
        if (digest)
        {
            var nonce = NewNonce();
            var s = stale ? ", stale=true" : "";
            yield return $"Proxy-Authenticate: Digest realm=\"{realm}\", qop=\"auth\", algorithm=SHA-256, nonce=\"{nonce}\", opaque=\"{_opaque}\"{s}";
            yield return $"Proxy-Authenticate: Digest realm=\"{realm}\", qop=\"auth\", algorithm=MD5, nonce=\"{nonce}\", opaque=\"{_opaque}\"{s}";
        }
        yield return $"Proxy-Authenticate: Basic realm=\"{realm}\", charset=\"UTF-8\"";
    }

    private (string?, string, bool) CheckDigest(string parameters, string method, string target)
    {
        var p = ParseParameters(parameters);
        if (p is null || !p.TryGetValue("username", out var user) || !p.TryGetValue("nonce", out var nonce)
            || !p.TryGetValue("uri", out var uri) || !p.TryGetValue("response", out var response))
            return (null, "malformed Digest credentials", false);
        var algorithm = p.GetValueOrDefault("algorithm") ?? "MD5";
        Func<byte[], byte[]>? hash = algorithm.ToUpperInvariant() switch
        {
            "MD5" => MD5.HashData,
            "SHA-256" => SHA256.HashData,
            _ => null,
        };
        if (hash is null) return (null, $"Digest algorithm {Socks5ServerHandshake.Printable(algorithm)} not offered", false);
        if (!p.GetValueOrDefault("realm", "").Equals(realm, StringComparison.Ordinal)) return (null, "Digest realm does not match", false);
        // The uri the client hashed must be the request's own, or an answer for one request would open another; curl
        // hashes an absolute URI's path (origin form), others the URI as written: either is this request's.
        if (!uri.Equals(target, StringComparison.Ordinal) && !uri.Equals(OriginForm(target), StringComparison.Ordinal))
            return (null, "Digest uri does not match the request", false);
        if (NonceAge(nonce) is not { } age) return (null, "Digest nonce not issued by this proxy", false);
        if (users.PasswordOf(user) is not { } password) return (null, $"authentication failed for user {Socks5ServerHandshake.Printable(user)}", false);
        string H(string s) => Convert.ToHexStringLower(hash(Encoding.UTF8.GetBytes(s)));
        var ha1 = H($"{user}:{realm}:{Encoding.UTF8.GetString(password)}");
        var ha2 = H($"{method}:{uri}");
        var qop = p.GetValueOrDefault("qop");
        string expected;
        if (qop is null) expected = H($"{ha1}:{nonce}:{ha2}");
        else if (qop == "auth" && p.TryGetValue("nc", out var nc) && p.TryGetValue("cnonce", out var cnonce)) expected = H($"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}");
        else return (null, "malformed Digest credentials (qop)", false);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(response.ToLowerInvariant())))
            return (null, $"authentication failed for user {Socks5ServerHandshake.Printable(user)}", false);
        if (age > NonceLifetime) return (null, "Digest nonce expired", true);
        return (user, "", false);
    }

    private static string? OriginForm(string target)
    {
        if (!target.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) return null;
        var slash = target.IndexOfAny(['/', '?'], 7);
        return slash < 0 ? "/" : target[slash] == '/' ? target[slash..] : "/" + target[slash..];
    }

    private string NewNonce()
    {
        Span<byte> nonce = stackalloc byte[24];
        BinaryPrimitives.WriteInt64BigEndian(nonce, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        HMACSHA256.HashData(_key, nonce[..8])[..16].CopyTo(nonce[8..]);
        return Convert.ToBase64String(nonce);
    }

    private TimeSpan? NonceAge(string nonce)
    {
        Span<byte> bytes = stackalloc byte[24];
        if (!Convert.TryFromBase64String(nonce, bytes, out var n) || n != 24) return null;
        var mac = HMACSHA256.HashData(_key, bytes[..8]);
        if (!CryptographicOperations.FixedTimeEquals(mac.AsSpan(0, 16), bytes[8..])) return null;
        return DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(bytes));
    }

    /// <summary>name=value and name="quoted value" pairs separated by commas; null when malformed.</summary>
    internal static Dictionary<string, string>? ParseParameters(string text)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ' ' || text[i] == ',' || text[i] == '\t')) i++;
            if (i >= text.Length) break;
            var eq = text.IndexOf('=', i);
            if (eq < 0) return null;
            var name = text[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < text.Length && text[i] == '"')
            {
                var sb = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length) i++;
                    sb.Append(text[i++]);
                }
                if (i >= text.Length) return null;
                i++;
                value = sb.ToString();
            }
            else
            {
                var end = text.IndexOf(',', i);
                if (end < 0) end = text.Length;
                value = text[i..end].Trim();
                i = end;
            }
            if (name.Length == 0) return null;
            d[name] = value;
        }
        return d;
    }
}
