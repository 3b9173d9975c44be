using System.Globalization;
using System.Net.Sockets;
using Sock.Core.Errors;

namespace Sock.Cli.Commands;

/// <summary>socat's global options and its two addresses, as `sock socat` reads them.</summary>
internal sealed class SocatInvocation
{
    public bool Help { get; set; }
    public bool Version { get; set; }
    /// <summary>-d, repeated: 1 warnings, 2 notices, 3 info, 4 debug (sock prints notices from 2 on).</summary>
    public int DebugLevel { get; set; }
    /// <summary>-v: the data on stderr as text.</summary>
    public bool Verbose { get; set; }
    /// <summary>-x: the data on stderr in hexadecimal.</summary>
    public bool Hex { get; set; }
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromMilliseconds(500); // socat's -t default
    public TimeSpan? IdleTimeout { get; set; }
    public SocatDirection Direction { get; set; } = SocatDirection.Both;
    /// <summary>-4 / -6: the family a listening address defaults to and names prefer.</summary>
    public AddressFamily Family { get; set; } = AddressFamily.Unspecified;
    public SocatAddress? First { get; set; }
    public SocatAddress? Second { get; set; }
}

/// <summary>
/// Reads socat's command line: options first (each its own word, as socat reads them; -t and -T take their value
/// attached or as the next word), then exactly two addresses. A lone '-' (or '-' followed by ',' or ':') is an address
/// (STDIO), as in socat. Options socat has and sock socat does not support are usage errors naming them.
/// </summary>
internal static class SocatCommandLine
{
    /// <summary>socat options sock socat does not support, named in the error.</summary>
    private static readonly HashSet<char> Unsupported = ['D', 'l', 's', 'g', 'L', 'W', 'r', 'R', 'S', 'b'];

    public static SocatInvocation Parse(IReadOnlyList<string> args)
    {
        var o = new SocatInvocation();
        var i = 0;
        for (; i < args.Count; i++)
        {
            var a = args[i];
            // sock's own global options may follow the command's name; System.CommandLine has taken them already.
            if (a is "--trace" or "--debug") continue;
            if (a.Length < 2 || a[0] != '-' || a[1] is ',' or ':') break;
            if (a is "--help") { o.Help = true; continue; }
            if (a is "--version") { o.Version = true; continue; }
            switch (a[1])
            {
                case 'h' or '?': o.Help = true; break;
                case 'V': o.Version = true; break;
                case 'd':
                    if (a.Skip(1).Any(c => c != 'd')) throw Unknown(a);
                    o.DebugLevel += a.Length - 1;
                    break;
                case 'v' when a.Length == 2: o.Verbose = true; break;
                case 'x' when a.Length == 2: o.Hex = true; break;
                case 'u' when a.Length == 2: o.Direction = o.Direction == SocatDirection.RightToLeft ? throw Both() : SocatDirection.LeftToRight; break;
                case 'U' when a.Length == 2: o.Direction = o.Direction == SocatDirection.LeftToRight ? throw Both() : SocatDirection.RightToLeft; break;
                case '4' when a.Length == 2: o.Family = AddressFamily.InterNetwork; break;
                case '6' when a.Length == 2: o.Family = AddressFamily.InterNetworkV6; break;
                case 't' or 'T':
                {
                    var flag = a[..2];
                    string value;
                    if (a.Length > 2) value = a[2..];
                    else if (i + 1 < args.Count) value = args[++i];
                    else throw SockException.Usage("socat", flag, "needs a value");
                    if (a[1] == 't') o.CloseTimeout = Seconds(value, flag);
                    else o.IdleTimeout = Seconds(value, flag) is var t && t > TimeSpan.Zero ? t : null;
                    break;
                }
                default:
                    if (Unsupported.Contains(a[1]))
                        throw SockException.Usage("socat", a, "this socat option is not supported by sock socat (supported: -d -v -x -t -T -u -U -4 -6 -h -V)");
                    throw Unknown(a);
            }
        }
        if (o.Help || o.Version) return o;
        var addresses = args.Skip(i).Where(a => a is not ("--trace" or "--debug")).ToList();
        if (addresses.Count != 2)
            throw SockException.Usage("socat", string.Join(' ', addresses), $"exactly 2 addresses required (there are {addresses.Count})");
        o.First = SocatAddressParser.Parse(addresses[0]);
        o.Second = SocatAddressParser.Parse(addresses[1]);
        return o;
    }

    private static SockException Unknown(string a) => SockException.Usage("socat", a, "unknown option (see 'sock socat --help')");

    private static SockException Both() => SockException.Usage("socat", "-u -U", "-u and -U must not be combined");

    /// <summary>socat's timeval: seconds, with a fraction (0.5, 2, 1.25).</summary>
    internal static TimeSpan Seconds(string text, string what)
    {
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) || s < 0 || s > 31_536_000)
            throw SockException.Usage(what, text, "must be a number of seconds (0.5, 2, 10)");
        return TimeSpan.FromSeconds(s);
    }
}
