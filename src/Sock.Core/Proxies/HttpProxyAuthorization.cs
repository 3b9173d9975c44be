using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sock.Core.Proxies;

/// <summary>
/// The <c>Proxy-Authorization</c> answer to a proxy's challenge: Basic (RFC 7617) or Digest (RFC 7616: MD5 and
/// SHA-256, their -sess forms, qop auth or auth-int, userhash). Of several challenges the strongest is answered:
/// Digest SHA-256, then Digest MD5, then Basic.
/// </summary>
internal static class HttpProxyAuthorization
{
    /// <summary>The challenge sock answers among <paramref name="challenges"/>, or null when it can answer none.</summary>
    public static HttpAuthChallenge? Choose(IReadOnlyList<HttpAuthChallenge> challenges) =>
        challenges.Where(c => c.Is("Digest") && Hash(c) is "SHA-256" && QopSupported(c)).FirstOrDefault()
        ?? challenges.Where(c => c.Is("Digest") && Hash(c) is "MD5" && QopSupported(c)).FirstOrDefault()
        ?? challenges.FirstOrDefault(c => c.Is("Basic"));

    /// <summary>The field's value answering <paramref name="challenge"/> for a request <c>METHOD uri</c>.</summary>
    public static string Answer(HttpAuthChallenge challenge, string user, string password, string method, string uri, string? cnonce = null)
    {
        if (challenge.Is("Basic"))
            return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        var realm = challenge["realm"] ?? "";
        var nonce = challenge["nonce"] ?? "";
        var algorithm = challenge["algorithm"] ?? "MD5";
        var session = algorithm.EndsWith("-sess", StringComparison.OrdinalIgnoreCase);
        var h = Hash(challenge) == "SHA-256" ? (Func<string, string>)Sha256 : Md5;
        cnonce ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        const string nc = "00000001";
        var qop = Qop(challenge);
        var ha1 = h($"{user}:{realm}:{password}");
        if (session) ha1 = h($"{ha1}:{nonce}:{cnonce}");
        // auth-int covers the request's body: CONNECT has none, so it is the hash of nothing.
        var ha2 = qop == "auth-int" ? h($"{method}:{uri}:{h("")}") : h($"{method}:{uri}");
        var response = qop is null ? h($"{ha1}:{nonce}:{ha2}") : h($"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}");
        var userhash = string.Equals(challenge["userhash"], "true", StringComparison.OrdinalIgnoreCase);
        var sb = new StringBuilder("Digest ");
        sb.Append(CultureInfo.InvariantCulture, $"username=\"{Escape(userhash ? h($"{user}:{realm}") : user)}\", realm=\"{Escape(realm)}\", ");
        sb.Append(CultureInfo.InvariantCulture, $"nonce=\"{Escape(nonce)}\", uri=\"{Escape(uri)}\", algorithm={algorithm}, response=\"{response}\"");
        if (qop is not null) sb.Append(CultureInfo.InvariantCulture, $", qop={qop}, nc={nc}, cnonce=\"{cnonce}\"");
        if (challenge["opaque"] is { } opaque) sb.Append(CultureInfo.InvariantCulture, $", opaque=\"{Escape(opaque)}\"");
        if (userhash) sb.Append(", userhash=true");
        return sb.ToString();
    }

    /// <summary>The hash a Digest challenge asks for ("MD5", "SHA-256"), or null for one sock does not do (SHA-512-256).</summary>
    private static string? Hash(HttpAuthChallenge c) => (c["algorithm"] ?? "MD5").ToUpperInvariant() switch
    {
        "MD5" or "MD5-SESS" => "MD5",
        "SHA-256" or "SHA-256-SESS" => "SHA-256",
        _ => null,
    };

    private static bool QopSupported(HttpAuthChallenge c) => c["qop"] is null || Qop(c) is not null;

    /// <summary>The quality of protection to use: auth where offered, else auth-int; null when the challenge has no qop (RFC 2069's form).</summary>
    private static string? Qop(HttpAuthChallenge c)
    {
        if (c["qop"] is not { } offered) return null;
        var list = offered.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return list.Contains("auth", StringComparer.OrdinalIgnoreCase) ? "auth"
            : list.Contains("auth-int", StringComparer.OrdinalIgnoreCase) ? "auth-int" : null;
    }

    private static string Md5(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));

    private static string Sha256(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
