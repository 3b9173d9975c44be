using System.Buffers;
using System.Globalization;
using System.Text;
using Sock.Core.Forwarding;

namespace Sock.Cli.Rendering;

/// <summary>
/// --dump and --hex: the relayed bytes as socat -v and -x show them, each chunk under a header naming the session and the
/// direction ('&gt;' client to target, '&lt;' target to client), the time, the length and the chunk's offsets in that
/// direction: <c>&gt; #1 2026/12/06 17:00:00.123456  length=6 from=0 to=5</c>. --dump writes the bytes as text (control
/// characters other than newline and tab as \r, \x1b…), --hex as a hex dump with the printable characters beside it.
/// Written as they pass, under a lock: a dump that cannot keep up slows the relay (and the peers with it) rather than
/// buffering; a dump file that stops taking writes (a full disk) is dropped with one line on stderr, and the relay goes on.
/// </summary>
internal sealed class ForwardDump(TextWriter writer, bool hex, string? fileName) : IDisposable
{
    private readonly Lock _gate = new();
    private bool _failed;

    public void Write(ForwardSession session, ForwardDirection direction, ReadOnlySequence<byte> data)
    {
        if (_failed) return;
        var from = direction == ForwardDirection.ToTarget ? session.BytesToTarget : session.BytesToClient;
        var length = data.Length;
        var text = new StringBuilder((int)Math.Min(length * (hex ? 5 : 2), 1 << 20) + 80);
        text.Append(CultureInfo.InvariantCulture,
            $"{(direction == ForwardDirection.ToTarget ? '>' : '<')} #{session.Id} {DateTime.Now:yyyy/MM/dd HH:mm:ss.ffffff}  length={length} from={from} to={from + length - 1}\n");
        if (hex) Hex(text, data);
        else Text(text, data);
        lock (_gate)
        {
            if (_failed) return;
            try
            {
                writer.Write(text.ToString());
                writer.Flush();
            }
            catch (IOException ex)
            {
                _failed = true;
                Console.Error.WriteLine($"sock: dump to {fileName ?? "stderr"} stopped: {ex.Message}");
            }
        }
    }

    public void Dispose()
    {
        if (fileName is not null) writer.Dispose();
    }

    private static void Text(StringBuilder text, ReadOnlySequence<byte> data)
    {
        var last = (byte)0;
        foreach (var segment in data)
        {
            foreach (var b in segment.Span)
            {
                last = b;
                switch (b)
                {
                    case (byte)'\n' or (byte)'\t': text.Append((char)b); break;
                    case (byte)'\r': text.Append("\\r"); break;
                    case < 0x20 or >= 0x7f: text.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}"); break;
                    default: text.Append((char)b); break;
                }
            }
        }
        if (last != (byte)'\n') text.Append('\n');
    }

    private static void Hex(StringBuilder text, ReadOnlySequence<byte> data)
    {
        Span<byte> line = stackalloc byte[16];
        var reader = new SequenceReader<byte>(data);
        var offset = 0L;
        while (!reader.End)
        {
            var n = (int)Math.Min(16, reader.Remaining);
            reader.TryCopyTo(line[..n]);
            reader.Advance(n);
            text.Append(CultureInfo.InvariantCulture, $" {offset:x8} ");
            for (var i = 0; i < 16; i++)
            {
                if (i == 8) text.Append(' ');
                if (i < n) text.Append(CultureInfo.InvariantCulture, $" {line[i]:x2}");
                else text.Append("   ");
            }
            text.Append("  |");
            for (var i = 0; i < n; i++) text.Append(line[i] is >= 0x20 and < 0x7f ? (char)line[i] : '.');
            text.Append("|\n");
            offset += n;
        }
        text.Append("--\n");
    }
}
