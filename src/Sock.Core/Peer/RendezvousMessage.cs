using System.Globalization;
using System.Net;
using System.Text;
using Sock.Core.Endpoints;

namespace Sock.Core.Peer;

/// <summary>
/// One line of the rendezvous protocol (docs/peer-protocol.md, "Rendezvous"): a verb and words separated by single
/// spaces, ASCII, at most <see cref="MaxLength"/> bytes; over TCP each ends with a newline, over UDP each is one
/// datagram. Its first byte is an upper-case letter (0x41–0x5A: top bits 01), so it never looks like STUN (00) or a
/// peer datagram (11) sharing the socket. Words after the fixed ones are `key=value` or bare flags.
/// </summary>
internal sealed class RendezvousMessage
{
    /// <summary>The longest line accepted (a REGISTER with a few host candidates fits easily).</summary>
    public const int MaxLength = 512;

    public const string Register = "REGISTER";
    public const string Registered = "REGISTERED";
    public const string Waiting = "WAITING";
    public const string Intro = "INTRO";
    public const string Probe = "PROBE";
    public const string Seen = "SEEN";
    public const string Relay = "RELAY";
    public const string Relaying = "RELAYING";
    public const string Error = "ERROR";

    public RendezvousMessage(string verb, IReadOnlyList<string> words)
    {
        Verb = verb;
        Words = words;
    }

    public string Verb { get; }

    /// <summary>The words after the verb.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>The positional word <paramref name="index"/> (0 is the first after the verb), or null.</summary>
    public string? At(int index) => index < Words.Count && !Words[index].Contains('=', StringComparison.Ordinal) ? Words[index] : null;

    /// <summary>The value of `key=value`, or null.</summary>
    public string? Value(string key)
    {
        foreach (var w in Words)
            if (w.Length > key.Length && w[key.Length] == '=' && w.StartsWith(key, StringComparison.Ordinal)) return w[(key.Length + 1)..];
        return null;
    }

    public bool Flag(string flag) => Words.Contains(flag);

    /// <summary>A name a peer registers under: 1–64 of letters, digits, '.', '_', '-'.</summary>
    public static bool IsName(string? name) =>
        name is { Length: > 0 and <= 64 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    public static byte[] Format(string verb, params string?[] words)
    {
        var sb = new StringBuilder(verb);
        foreach (var w in words)
            if (!string.IsNullOrEmpty(w)) sb.Append(' ').Append(w);
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    /// <summary>Parses one line (without its newline); false for anything that is not a protocol line.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out RendezvousMessage? message)
    {
        message = null;
        while (line.Length > 0 && line[^1] is (byte)'\n' or (byte)'\r') line = line[..^1];
        if (line.Length is 0 or > MaxLength || line[0] is < (byte)'A' or > (byte)'Z') return false;
        foreach (var b in line)
            if (b is < 0x20 or > 0x7E) return false;
        var parts = Encoding.ASCII.GetString(line).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        message = new RendezvousMessage(parts[0], parts[1..]);
        return true;
    }

    /// <summary>An endpoint word (`203.0.113.7:40123`, `[2001:db8::1]:40123`), or null when it is not one.</summary>
    public static IPEndPoint? ParseEndPoint(string? text) =>
        text is not null && IPEndPoint.TryParse(text, out var ep) && ep.Port != 0 ? ep : null;

    /// <summary>A comma-separated list of endpoints; words that are not endpoints are skipped.</summary>
    public static List<IPEndPoint> ParseEndPoints(string? text) =>
        text is null ? [] : [.. text.Split(',').Select(ParseEndPoint).OfType<IPEndPoint>()];

    public static string Word(IPEndPoint ep) => EndpointText.Format(new IPEndPoint(Normalize(ep.Address), ep.Port));

    public static string WordList(IEnumerable<IPEndPoint> eps) => string.Join(',', eps.Select(Word));

    public static string Hex(ulong session) => session.ToString("x16", CultureInfo.InvariantCulture);

    public static ulong? ParseHex(string? text) =>
        text is not null && ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) ? v : null;

    public static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    public override string ToString() => Words.Count == 0 ? Verb : Verb + " " + string.Join(' ', Words);
}
