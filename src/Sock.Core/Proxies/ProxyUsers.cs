using System.Security.Cryptography;
using System.Text;
using Sock.Core.Errors;

namespace Sock.Core.Proxies;

/// <summary>
/// The users a proxy accepts: names and passwords, from a file of <c>user:password</c> lines (<see cref="Load"/>; blank
/// lines and lines starting with '#' are skipped; the password is everything after the first colon) or given one by one
/// (<see cref="Create"/>). Passwords are compared in constant time.
/// </summary>
public sealed class ProxyUsers
{
    /// <summary>The longest name or password SOCKS5 can carry (RFC 1929: one length byte).</summary>
    public const int MaxFieldLength = 255;

    private readonly Dictionary<string, byte[]> _passwords;

    private ProxyUsers(Dictionary<string, byte[]> passwords) => _passwords = passwords;

    /// <summary>How many users there are.</summary>
    public int Count => _passwords.Count;

    /// <summary>Users from <paramref name="pairs"/> (name, password).</summary>
    public static ProxyUsers Create(IEnumerable<(string User, string Password)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var d = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (user, password) in pairs) Add(d, user, password, "user");
        return new ProxyUsers(d);
    }

    /// <summary>Reads <paramref name="path"/>: one <c>user:password</c> a line. A bad line is a usage error naming its number.</summary>
    public static ProxyUsers Load(string path)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SockException(SockErrorKind.Usage, "--users", path, FileErrorText.Describe(ex, path, "cannot be read"));
        }
        var d = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var where = $"{path} line {i + 1}";
            if (colon <= 0) throw SockException.Usage("--users", where, "expected user:password");
            Add(d, line[..colon], line[(colon + 1)..], where);
        }
        if (d.Count == 0) throw SockException.Usage("--users", path, "no user:password line in it");
        return new ProxyUsers(d);
    }

    private static void Add(Dictionary<string, byte[]> d, string user, string password, string where)
    {
        if (user.Length == 0) throw SockException.Usage("--users", where, "empty user name");
        if (Encoding.UTF8.GetByteCount(user) > MaxFieldLength || Encoding.UTF8.GetByteCount(password) > MaxFieldLength)
            throw SockException.Usage("--users", where, $"name and password are at most {MaxFieldLength} bytes each (SOCKS5 carries no more)");
        d[user] = Encoding.UTF8.GetBytes(password);
    }

    /// <summary>True when <paramref name="user"/> exists and <paramref name="password"/> is its password.</summary>
    public bool Check(string user, ReadOnlySpan<byte> password)
    {
        // An unknown user costs the same comparison as a known one.
        var known = _passwords.TryGetValue(user, out var expected);
        expected ??= [];
        return CryptographicOperations.FixedTimeEquals(expected, password) & known;
    }

    /// <summary>The password of <paramref name="user"/> as bytes, for Digest (which needs it to compute the answer); null if unknown.</summary>
    internal byte[]? PasswordOf(string user) => _passwords.GetValueOrDefault(user);
}
