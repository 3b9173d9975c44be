using System.Buffers.Text;
using System.Text;

namespace Sock.Core.Http;

/// <summary>
/// Reads HTTP/1.x responses off a byte stream as fast as they come, for the load generator: the status line and the
/// headers that frame the message (Content-Length, Transfer-Encoding: chunked, Connection), then the body skipped
/// without being kept — by length, chunk by chunk, or to the end of the connection. Responses to HEAD and 1xx, 204 and
/// 304 responses have no body; 1xx responses are not the answer and are skipped. Malformed input has a defined outcome:
/// <see cref="Step.Malformed"/> with <see cref="Problem"/> saying what, never a stuck parser.
/// </summary>
internal sealed class HttpResponseReader
{
    /// <summary>The longest head (status line and headers) accepted, as a server's limit on request heads.</summary>
    public const int MaxHead = 64 * 1024;

    private enum State { Head, Body, ChunkSize, ChunkData, ChunkEnd, Trailers, UntilClose }

    private State _state = State.Head;
    private long _remaining;

    /// <summary>What <see cref="Read"/> found.</summary>
    public enum Step
    {
        /// <summary>Everything given was taken; more bytes are needed.</summary>
        NeedMore,

        /// <summary>A whole response ended: <see cref="Status"/> and <see cref="KeepAlive"/> describe it.</summary>
        Response,

        /// <summary>The bytes are not HTTP/1.x: <see cref="Problem"/> says why.</summary>
        Malformed,
    }

    /// <summary>Whether the request being answered was HEAD (its response has no body whatever its headers say).</summary>
    public bool HeadRequest { get; set; }

    /// <summary>The status of the response being read (or just read).</summary>
    public int Status { get; private set; }

    /// <summary>Whether the connection stays open after the response just read.</summary>
    public bool KeepAlive { get; private set; }

    /// <summary>Whether the body runs to the end of the connection (no length given): only the close ends it.</summary>
    public bool ReadsUntilClose => _state == State.UntilClose;

    /// <summary>What was wrong, after <see cref="Step.Malformed"/>.</summary>
    public string? Problem { get; private set; }

    /// <summary>
    /// Takes bytes from <paramref name="data"/> (<paramref name="consumed"/> says how many) until a response ends, more
    /// are needed, or the bytes are malformed. Call again with the rest after a <see cref="Step.Response"/>.
    /// </summary>
    public Step Read(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        while (true)
        {
            var rest = data[consumed..];
            switch (_state)
            {
                case State.Head:
                {
                    var end = rest.IndexOf("\r\n\r\n"u8);
                    if (end < 0)
                    {
                        if (rest.Length >= MaxHead) return Malformed("the response head is longer than 64 KiB");
                        return Step.NeedMore;
                    }
                    if (!ParseHead(rest[..(end + 2)], out var informational)) return Step.Malformed;
                    consumed += end + 4;
                    if (informational) continue; // 100 Continue and the like: the answer is still to come
                    if (_state == State.Body && _remaining == 0 || _state == State.Head)
                    {
                        _state = State.Head;
                        return Step.Response;
                    }
                    continue;
                }
                case State.Body:
                {
                    var take = (int)Math.Min(_remaining, rest.Length);
                    consumed += take;
                    _remaining -= take;
                    if (_remaining > 0) return Step.NeedMore;
                    _state = State.Head;
                    return Step.Response;
                }
                case State.ChunkSize:
                {
                    var end = rest.IndexOf("\r\n"u8);
                    if (end < 0) return rest.Length > 1024 ? Malformed("a chunk size line is longer than 1 KiB") : Step.NeedMore;
                    var line = rest[..end];
                    var ext = line.IndexOf((byte)';');
                    if (ext >= 0) line = line[..ext];
                    line = line.Trim((byte)' ');
                    if (line.IsEmpty || line.Length > 15 || !Utf8Parser.TryParse(line, out ulong size, out var used, 'x') || used != line.Length)
                        return Malformed("a chunk size is not a hexadecimal number");
                    consumed += end + 2;
                    if (size == 0)
                    {
                        _state = State.Trailers;
                        continue;
                    }
                    _remaining = (long)size;
                    _state = State.ChunkData;
                    continue;
                }
                case State.ChunkData:
                {
                    var take = (int)Math.Min(_remaining, rest.Length);
                    consumed += take;
                    _remaining -= take;
                    if (_remaining > 0) return Step.NeedMore;
                    _state = State.ChunkEnd;
                    continue;
                }
                case State.ChunkEnd:
                {
                    if (rest.Length < 2) return Step.NeedMore;
                    if (rest[0] != '\r' || rest[1] != '\n') return Malformed("a chunk does not end with CRLF");
                    consumed += 2;
                    _state = State.ChunkSize;
                    continue;
                }
                case State.Trailers:
                {
                    var end = rest.IndexOf("\r\n"u8);
                    if (end < 0) return rest.Length > MaxHead ? Malformed("the trailers are longer than 64 KiB") : Step.NeedMore;
                    consumed += end + 2;
                    if (end > 0) continue; // a trailer field: skipped
                    _state = State.Head;
                    return Step.Response;
                }
                case State.UntilClose:
                    consumed += rest.Length;
                    return Step.NeedMore;
            }
        }
    }

    /// <summary>The connection ended: true when that ends a response whose body runs to the close.</summary>
    public bool EndOfStream()
    {
        if (_state != State.UntilClose) return false;
        _state = State.Head;
        KeepAlive = false;
        return true;
    }

    private Step Malformed(string why)
    {
        Problem = why;
        return Step.Malformed;
    }

    /// <summary>The status line and headers (each line ending in CRLF); sets the state for the body.</summary>
    private bool ParseHead(ReadOnlySpan<byte> head, out bool informational)
    {
        informational = false;
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = head[..lineEnd];
        // "HTTP/1.1 200 OK": the version, a space, three digits.
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != ' '
            || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out var used) || used != 3 || status < 100)
        {
            Problem = "the answer does not start with an HTTP/1.x status line";
            return false;
        }
        var http10 = statusLine[7] == '0';
        Status = status;
        long? length = null;
        var chunked = false;
        var close = http10;
        var lines = head[(lineEnd + 2)..];
        while (!lines.IsEmpty)
        {
            var end = lines.IndexOf("\r\n"u8);
            var line = lines[..end];
            lines = lines[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                Problem = "a header line has no name";
                return false;
            }
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (name.Length == 14 && Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long n, out var u) || u != value.Length || n < 0)
                {
                    Problem = "Content-Length is not a number";
                    return false;
                }
                length = n;
            }
            else if (name.Length == 17 && Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                chunked = value.Length >= 7 && Ascii.EqualsIgnoreCase(value[^7..], "chunked"u8);
            }
            else if (name.Length == 10 && Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                if (Ascii.EqualsIgnoreCase(value, "close"u8)) close = true;
                else if (Ascii.EqualsIgnoreCase(value, "keep-alive"u8)) close = false;
            }
        }
        if (status < 200 && status != 101)
        {
            informational = true;
            return true;
        }
        KeepAlive = !close;
        if (HeadRequest || status is 204 or 304 || status < 200)
            _state = State.Head;
        else if (chunked)
            _state = State.ChunkSize;
        else if (length is { } l)
        {
            _state = State.Body;
            _remaining = l;
        }
        else
        {
            _state = State.UntilClose;
            KeepAlive = false;
        }
        return true;
    }
}
