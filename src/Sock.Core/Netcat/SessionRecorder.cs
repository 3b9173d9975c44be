using System.Globalization;
using System.Text;

namespace Sock.Core.Netcat;

/// <summary>
/// -o and -x: records what crosses the connection. -o writes the bytes as they are, both directions in the order they
/// moved; -x writes a hex dump, each line marked with its direction ("&gt;" sent, "&lt;" received) and that direction's
/// offset. Thread-safe: both directions record at once.
/// </summary>
internal sealed class SessionRecorder : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Stream? _raw;
    private readonly StreamWriter? _hex;
    private readonly string? _rawPath;
    private readonly string? _hexPath;
    private readonly Action<string?, string>? _warn;
    private bool _rawStopped;
    private bool _hexStopped;
    private long _sentOffset;
    private long _receivedOffset;

    /// <summary>
    /// Opens the files that are named (either may be null). A file that later fails to take a write (a full disk) stops
    /// being written, with one line to <paramref name="warn"/>; the session goes on: the recording is secondary.
    /// </summary>
    public SessionRecorder(string? rawPath, string? hexPath, bool append, Action<string?, string>? warn = null)
    {
        _rawPath = rawPath;
        _hexPath = hexPath;
        _warn = warn;
        var mode = append ? FileMode.Append : FileMode.Create;
        try
        {
            if (rawPath is not null) _raw = new FileStream(rawPath, mode, FileAccess.Write, FileShare.Read);
            if (hexPath is not null) _hex = new StreamWriter(new FileStream(hexPath, mode, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _raw?.Dispose();
            throw new Errors.SockException(Errors.SockErrorKind.Usage, "open session record", _raw is null ? rawPath ?? hexPath : hexPath, Errors.FileErrorText.Describe(ex, fallback: "cannot be opened"));
        }
    }


    /// <summary>A recorder for <paramref name="options"/>, or null when it asks for none; a recording that stops is told to <paramref name="log"/>.</summary>
    public static SessionRecorder? For(NetcatOptions options, INetcatObserver? log = null) =>
        options.OutputFile is null && options.HexDumpFile is null ? null
            : new SessionRecorder(options.OutputFile, options.HexDumpFile, options.AppendOutput, log is null ? null : (path, reason) => log.On(new RecordingStopped(path, reason)));

    /// <summary>Records bytes sent to the peer.</summary>
    public void Sent(ReadOnlySpan<byte> data) => Record(data, '>', ref _sentOffset);

    /// <summary>Records bytes received from the peer.</summary>
    public void Received(ReadOnlySpan<byte> data) => Record(data, '<', ref _receivedOffset);

    private void Record(ReadOnlySpan<byte> data, char mark, ref long offset)
    {
        if (data.IsEmpty) return;
        lock (_gate)
        {
            // A recording is read while sock runs (tail -f) and must survive a kill: no data waits in a buffer.
            if (_raw is not null && !_rawStopped)
            {
                try
                {
                    _raw.Write(data);
                    _raw.Flush();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
                {
                    _rawStopped = true;
                    Stop(_rawPath, ex);
                }
            }
            if (_hex is not null && !_hexStopped)
            {
                try
                {
                    HexDump.Write(_hex, data, mark, offset);
                    _hex.Flush();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
                {
                    _hexStopped = true;
                    Stop(_hexPath, ex);
                }
            }
            offset += data.Length;
        }
    }

    private void Stop(string? path, Exception ex) => _warn?.Invoke(path, Errors.FileErrorText.Describe(ex, path, "write failed"));

    /// <summary>Flushes and closes the files.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            // What a stopped recording still buffers cannot be written either.
            try { _raw?.Dispose(); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException) { }
            try { _hex?.Dispose(); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException) { }
        }
    }
}

/// <summary>The hex dump -x writes: "&gt; 00000010  48 65 6c 6c 6f 0a ...  |Hello.|".</summary>
internal static class HexDump
{
    /// <summary>Writes <paramref name="data"/> as lines of 16 bytes, starting at <paramref name="offset"/>.</summary>
    public static void Write(TextWriter writer, ReadOnlySpan<byte> data, char mark, long offset)
    {
        var line = new StringBuilder(80);
        for (var i = 0; i < data.Length; i += 16)
        {
            var row = data.Slice(i, Math.Min(16, data.Length - i));
            line.Clear();
            line.Append(mark).Append(' ').Append((offset + i).ToString("x8", CultureInfo.InvariantCulture)).Append("  ");
            for (var j = 0; j < 16; j++)
            {
                if (j < row.Length) line.Append(row[j].ToString("x2", CultureInfo.InvariantCulture)).Append(' ');
                else line.Append("   ");
                if (j == 7) line.Append(' ');
            }
            line.Append(" |");
            foreach (var b in row) line.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
            line.Append('|');
            writer.WriteLine(line.ToString());
        }
    }
}
