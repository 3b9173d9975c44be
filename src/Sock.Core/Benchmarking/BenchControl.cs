using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Sock.Core.Benchmarking;

/// <summary>
/// The control protocol between <c>sock bench</c> and <c>sock bench --server</c>: text lines over a TCP (or Unix)
/// connection, so two machines can be measured like iperf3 -c / -s.
/// <code>
/// client: SOCKBENCH/1 TCP cookie=1a2b3c4d streams=1 reverse=0 size=131072 duration_ms=5000 count=0 interval_ms=1000
/// server: SOCKBENCH/1 OK
/// client: opens each data connection and writes "SBD1" + the 8-hex-digit cookie, then data flows
/// client: DONE bytes=N            (after its data connections are finished)
/// server: RESULT bytes=N seconds=S intervals=b1,b2,...
/// </code>
/// For UDP the first word is UDP; datagrams go to the server's UDP port (the same number) carrying the cookie; the
/// client's DONE says how many it sent and RESULT carries received, delivered, reordered, duplicated and jitter.
/// </summary>
internal static class BenchControl
{
    /// <summary>The greeting's first word.</summary>
    public const string Magic = "SOCKBENCH/1";

    /// <summary>What a data connection writes first, before the cookie.</summary>
    public const string DataMagic = "SBD1";

    /// <summary>Bytes of a data connection's preamble: magic and eight hex digits.</summary>
    public const int DataPreambleLength = 12;

    /// <summary>The longest control line accepted (a RESULT line lists up to 4,096 interval counts).</summary>
    public const int MaxLine = 1 << 16;

    /// <summary>The longest line a server reads from a client: the requests are one short line each.</summary>
    public const int MaxRequestLine = 1024;

    /// <summary>Parses "WORD key=value key=value" into the word and a dictionary.</summary>
    public static (string Word, Dictionary<string, string> Fields) Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in parts.Skip(1))
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) fields[p[..eq]] = p[(eq + 1)..];
        }
        return (parts.Length > 0 ? parts[0] : "", fields);
    }

    /// <summary>A field as a number, or <paramref name="fallback"/>.</summary>
    public static long Number(Dictionary<string, string> fields, string key, long fallback = 0)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return fields.TryGetValue(key, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : fallback;
    }

    /// <summary>A field as a floating-point number, or <paramref name="fallback"/>.</summary>
    public static double Real(Dictionary<string, string> fields, string key, double fallback = 0)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return fields.TryGetValue(key, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : fallback;
    }

    internal static async Task WriteLineAsync(Socket socket, string line, CancellationToken cancellationToken)
    {
        var bytes = Encoding.ASCII.GetBytes(line + "\n");
        var mem = bytes.AsMemory();
        while (mem.Length > 0)
        {
            var n = await socket.SendAsync(mem, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            mem = mem[n..];
        }
    }

    /// <summary>Reads one line byte by byte (control lines are few and short); null at end of stream.</summary>
    internal static async Task<string?> ReadLineAsync(Socket socket, CancellationToken cancellationToken, int maxLine = MaxLine)
    {
        var sb = new StringBuilder();
        var one = new byte[1];
        while (sb.Length < maxLine)
        {
            var n = await socket.ReceiveAsync(one, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0) return sb.Length == 0 ? null : sb.ToString();
            if (one[0] == (byte)'\n') return sb.ToString().TrimEnd('\r');
            sb.Append((char)one[0]);
        }
        return sb.ToString();
    }

    internal static string Join(IEnumerable<long> values) => string.Join(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    internal static List<long> Split(string? text) =>
        string.IsNullOrEmpty(text) ? [] : text.Split(',').Select(t => long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0).ToList();
}
