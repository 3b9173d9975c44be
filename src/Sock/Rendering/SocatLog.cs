using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Sock.Core.Forwarding;

namespace Sock.Cli.Rendering;

/// <summary>
/// What `sock socat` writes to stderr, in socat's forms, as the forwarder's observer: notices with -d -d (`2026/12/06
/// 17:00:00 sock[1234] N accepting connection from 127.0.0.1:40000`), the data with -v (a header `> 2026/12/06
/// 17:00:00.123456  length=6 from=0 to=5`, then the bytes as text with \r, \t … escaped, as socat shows them) and -x
/// (hex; with -v, sixteen bytes a line beside their text, then `--`). '>' is from the first address to the second, so
/// when the listening address is the second one (<c>swapped</c>) the forwarder's directions are turned round. A client
/// whose target could not be opened is one line always, as socat logs its child's error; the first such error is kept
/// for the exit status of a run without fork.
/// </summary>
internal sealed class SocatLog(TextWriter error, int debugLevel, bool verbose, bool hex) : ForwardObserver
{
    private readonly Lock _lock = new();
    private readonly int _pid = Environment.ProcessId;
    private readonly ConcurrentDictionary<(long, ForwardDirection), long> _offsets = new();
    private readonly TaskCompletionSource _firstEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether '>' is the forwarder's target-to-client direction (the listening address is socat's second).</summary>
    public bool Swapped { get; set; }

    /// <summary>Completes when the first session has ended (or its target could not be opened): a run without fork is then over.</summary>
    public Task FirstSessionEnded => _firstEnded.Task;

    /// <summary>The first client's failure to reach its target, if it had one.</summary>
    public string? FirstFailure { get; private set; }

    public void Notice(string message)
    {
        if (debugLevel < 2) return;
        lock (_lock) error.WriteLine($"{DateTime.Now.ToString("yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture)} sock[{_pid}] N {message}");
    }

    public override void Opened(ForwardSession session) =>
        Notice($"session {session.Id}: {session.ClientName} <-> {session.TargetName}");

    public override void Closed(ForwardSession session)
    {
        Notice($"session {session.Id}: {session.CloseReason}; {session.BytesToTarget} bytes to {session.TargetName}, {session.BytesToClient} back");
        _offsets.TryRemove((session.Id, ForwardDirection.ToTarget), out _);
        _offsets.TryRemove((session.Id, ForwardDirection.ToClient), out _);
        _firstEnded.TrySetResult();
    }

    public override void Refused(string client, string reason, ForwardSession? session)
    {
        if (session is null)
        {
            Notice($"refusing connection from {client}: {reason}");
            return;
        }
        lock (_lock) error.WriteLine($"sock: {reason}");
        lock (_lock) FirstFailure ??= reason;
        _firstEnded.TrySetResult();
    }

    public override void Retrying(ForwardClient client, string target, string reason, int attempt, TimeSpan delay) =>
        Notice($"{reason}; retrying in {delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s (attempt {attempt + 1})");

    public override void Dropped(System.Net.EndPoint? client, string reason) => Notice($"dropped a datagram from {Sock.Core.Endpoints.EndpointText.Format(client)}: {reason}");

    public override bool ObservesData => verbose || hex;

    public override void Data(ForwardSession session, ForwardDirection direction, ReadOnlySequence<byte> data)
    {
        var bytes = data.ToArray();
        var offset = _offsets.AddOrUpdate((session.Id, direction), bytes.Length, (_, o) => o + bytes.Length) - bytes.Length;
        var rightToLeft = (direction == ForwardDirection.ToClient) != Swapped;
        var text = Format(rightToLeft, bytes, offset, verbose, hex, DateTime.Now);
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
