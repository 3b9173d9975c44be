using System.Globalization;
using System.Text;
using Sock.Core.Errors;
using Sock.Core.Socat;

namespace Sock.Cli.Rendering;

/// <summary>
/// What `sock socat` writes to stderr, in socat's forms: notices with -d -d (`2026/12/06 17:00:00 sock[1234] N listening on
/// 0.0.0.0:8080`), the data with -v (a header `> 2026/12/06 17:00:00.123456  length=6 from=0 to=5`, then the bytes as text
/// with \r, \t … escaped, as socat shows them) and -x (hex; with -v, sixteen bytes a line beside their text, then `--`).
/// Errors of one client under fork are one line each, as sock words every error.
/// </summary>
internal sealed class SocatLog(TextWriter error, int debugLevel, bool verbose, bool hex) : ISocatObserver
{
    private readonly Lock _lock = new();
    private readonly int _pid = Environment.ProcessId;

    public void Notice(string message)
    {
        if (debugLevel < 2) return;
        lock (_lock) error.WriteLine($"{DateTime.Now.ToString("yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture)} sock[{_pid}] N {message}");
    }

    public void Failed(SockException ex)
    {
        lock (_lock) error.WriteLine(ErrorText.For(ex));
    }

    public void Transferred(long relay, bool rightToLeft, ReadOnlySpan<byte> data, long offset)
    {
        if (!verbose && !hex) return;
        var text = Format(rightToLeft, data, offset, verbose, hex, DateTime.Now);
        lock (_lock)
        {
            error.Write(text);
            error.Flush();
        }
    }

    /// <summary>One transfer as socat's -v/-x print it.</summary>
    internal static string Format(bool rightToLeft, ReadOnlySpan<byte> data, long offset, bool verbose, bool hex, DateTime now)
    {
        var sb = new StringBuilder(data.Length * 4 + 80);
        if (verbose)
        {
            sb.Append(rightToLeft ? "< " : "> ")
                .Append(now.ToString("yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture)).Append('.')
                .Append((now.Ticks % TimeSpan.TicksPerSecond / 10).ToString("D6", CultureInfo.InvariantCulture))
                .Append("  length=").Append(data.Length.ToString(CultureInfo.InvariantCulture))
                .Append(" from=").Append(offset.ToString(CultureInfo.InvariantCulture))
                .Append(" to=").Append((offset + data.Length - 1).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        if (verbose && hex)
        {
            // Sixteen bytes a line, a line also ending after a newline byte, their text beside them.
            var s = 0;
            while (s < data.Length)
            {
                var j = Math.Min(16, data.Length - s);
                var count = 0;
                while (count < j)
                {
                    var c = data[s + count];
                    sb.Append(' ').Append(c.ToString("x2", CultureInfo.InvariantCulture));
                    count++;
                    if (c == '\n') break;
                }
                for (var pad = count; pad < 16; pad++) sb.Append("   ");
                sb.Append("  ");
                for (var k = 0; k < count; k++)
                {
                    var c = data[s + k];
                    sb.Append(c == '\n' ? '.' : c is >= 0x20 and < 0x7f ? (char)c : '.');
                }
                sb.Append('\n');
                s += count;
            }
            sb.Append("--\n");
        }
        else if (verbose)
        {
            foreach (var c in data)
            {
                sb.Append(c switch
                {
                    (byte)'\a' => "\\a",
                    (byte)'\b' => "\\b",
                    (byte)'\t' => "\t",
                    (byte)'\n' => "\n",
                    (byte)'\v' => "\\v",
                    (byte)'\f' => "\\f",
                    (byte)'\r' => "\\r",
                    (byte)'\\' => "\\\\",
                    >= 0x20 and < 0x7f => ((char)c).ToString(),
                    _ => ".",
                });
            }
        }
        else
        {
            foreach (var c in data) sb.Append(' ').Append(c.ToString("x2", CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
