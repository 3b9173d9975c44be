using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Sockets;
using Sock.Core.Tracing;

namespace Sock.Core.Proxies;

/// <summary>
/// One proxy's handshake on the connected socket: sends whole messages and receives exactly as many bytes as the
/// protocol says the reply has — never more — so whatever the destination sends right after the reply stays in the
/// socket for the relay or the connection to read (ncat lost it: nmap/nmap#2534). Each send and receive is traced as a
/// line of its own that says what it carried (passwords never), outside the trace's per-socket transfer summary.
/// </summary>
internal sealed class ProxyConversation
{
    private readonly TracedSocket _socket;
    private readonly SocketTrace? _trace;

    public ProxyConversation(TracedSocket socket, ProxySpec proxy, SocketTrace? trace, CancellationToken cancellationToken)
    {
        _socket = socket;
        Proxy = proxy;
        _trace = trace;
        CancellationToken = cancellationToken;
    }

    /// <summary>The proxy this handshake is with.</summary>
    public ProxySpec Proxy { get; }

    /// <summary>Cancelled when the handshake runs out of time or the caller gives up.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>"SOCKS5 proxy 127.0.0.1:1080": how errors name the proxy.</summary>
    public string Name => $"{ProxySpec.ProtocolName(Proxy.Type)} proxy {Proxy.Address}";

    /// <summary>Sends all of <paramref name="message"/>; <paramref name="what"/> says what it is, for the trace.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> message, string what)
    {
        var sent = 0;
        try
        {
            while (sent < message.Length)
                sent += await _socket.Socket.SendAsync(message[sent..], SocketFlags.None, CancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            _trace?.Call($"send({_socket.Handle}, {message.Length}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}  {what}");
            throw SockException.FromSocket($"send to {Name}", null, ex);
        }
        _trace?.Call($"send({_socket.Handle}, {message.Length}) = {sent}  {what}");
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> from the socket, however many recv calls it takes, and not a byte more. The end of
    /// the stream before it is full is the proxy hanging up mid-handshake. Returns the number of recv calls (for the trace).
    /// </summary>
    public async Task<int> ReceiveExactAsync(Memory<byte> buffer, string expecting)
    {
        var got = 0;
        var calls = 0;
        try
        {
            while (got < buffer.Length)
            {
                var n = await _socket.Socket.ReceiveAsync(buffer[got..], SocketFlags.None, CancellationToken).ConfigureAwait(false);
                calls++;
                if (n == 0)
                {
                    _trace?.Call($"recv({_socket.Handle}, {buffer.Length - got}) = 0 (peer closed its side)  {expecting}");
                    throw HungUp(expecting, got);
                }
                got += n;
            }
        }
        catch (SocketException ex)
        {
            _trace?.Call($"recv({_socket.Handle}, {buffer.Length - got}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}  {expecting}");
            throw SockException.FromSocket($"receive from {Name}", null, ex);
        }
        return calls;
    }

    /// <summary>Traces a reply that <see cref="ReceiveExactAsync"/> read, once its meaning is known.</summary>
    public void TraceReceived(int bytes, int calls, string meaning) =>
        _trace?.Call(calls == 1
            ? $"recv({_socket.Handle}, {bytes}) = {bytes}  {meaning}"
            : $"recv({_socket.Handle}, {bytes}) = {bytes} (in {calls} calls)  {meaning}");

    /// <summary>
    /// Reads an HTTP head — status line and header fields up to the empty line — and nothing after it: the socket is
    /// peeked (MSG_PEEK), the end of the head looked for, and only the bytes up to it taken. Returns the head's bytes,
    /// the final CRLF CRLF included. A head over <paramref name="limit"/> bytes is refused.
    /// </summary>
    public async Task<byte[]> ReceiveHeadAsync(int limit)
    {
        var head = new List<byte>(256);
        var peek = new byte[Math.Min(limit, 4096)];
        while (true)
        {
            int n;
            try
            {
                n = await _socket.Socket.ReceiveAsync(peek.AsMemory(0, Math.Min(peek.Length, limit - head.Count + 4)), SocketFlags.Peek, CancellationToken)
                    .ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                _trace?.Call($"recv({_socket.Handle}, MSG_PEEK) = -1 {BsdNames.Errno(ex.SocketErrorCode)}  HTTP reply");
                throw SockException.FromSocket($"receive from {Name}", null, ex);
            }
            _trace?.Call($"recv({_socket.Handle}, {peek.Length}, MSG_PEEK) = {n}");
            if (n == 0)
            {
                _trace?.Call($"recv({_socket.Handle}) = 0 (peer closed its side)  HTTP reply");
                throw HungUp("its HTTP reply", head.Count);
            }
            var take = EndOfHead(head, peek.AsSpan(0, n));
            var found = take > 0;
            if (!found) take = n;
            var chunk = new byte[take];
            var calls = await ReceiveExactAsync(chunk, "HTTP reply").ConfigureAwait(false);
            head.AddRange(chunk);
            TraceReceived(take, calls, found ? $"HTTP reply: {FirstLine(head)}" : "HTTP reply (its head goes on)");
            if (found) return [.. head];
            if (head.Count > limit)
                throw SockException.Said($"{Name} sent a reply", $"its header is longer than {limit / 1024} KiB");
        }
    }

    /// <summary>
    /// How many bytes of <paramref name="next"/> complete the head begun in <paramref name="head"/> (an empty line: CRLF
    /// CRLF, or LF LF, which the parser then refuses as not CRLF); 0 when the head does not end in them.
    /// </summary>
    internal static int EndOfHead(List<byte> head, ReadOnlySpan<byte> next)
    {
        // The last three bytes already taken, then the new ones: the empty line may straddle the two.
        var tail = Math.Min(3, head.Count);
        Span<byte> joined = new byte[tail + next.Length];
        for (var i = 0; i < tail; i++) joined[i] = head[head.Count - tail + i];
        next.CopyTo(joined[tail..]);
        for (var i = 0; i < joined.Length; i++)
        {
            if (joined[i] != (byte)'\n' || i < tail) continue;
            if (i >= 1 && joined[i - 1] == '\n') return i + 1 - tail;
            if (i >= 3 && joined[i - 1] == '\r' && joined[i - 2] == '\n' && joined[i - 3] == '\r') return i + 1 - tail;
            if (i >= 2 && joined[i - 1] == '\r' && joined[i - 2] == '\n') return i + 1 - tail;
        }
        return 0;
    }

    private static string FirstLine(List<byte> head)
    {
        var end = head.IndexOf((byte)'\n');
        var line = System.Text.Encoding.Latin1.GetString([.. head.Take(end < 0 ? head.Count : end)]).TrimEnd('\r');
        return line.Length > 120 ? line[..120] + "…" : line;
    }

    private SockException HungUp(string expecting, int got) => SockException.Said(Name,
        got == 0 ? $"closed the connection instead of sending {expecting} (is it a {ProxySpec.ProtocolName(Proxy.Type)} proxy?)"
                 : $"closed the connection in the middle of {expecting}");
}
