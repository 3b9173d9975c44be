namespace Sock.Core.Sockets;

/// <summary>
/// A connected stream socket as a <see cref="Stream"/>, for what wants one (a TLS session over it): every read and
/// write is the socket's own traced recv and send, so --trace shows the bytes that really cross the wire and failures
/// stay <see cref="Errors.SockException"/>s. Counts what goes through for the socket's record (HTTP's). Owns the
/// socket only when told to (an HTTP handler disposing its connection closes it).
/// </summary>
internal sealed class TracedSocketStream(TracedSocket socket, bool ownsSocket = false) : Stream
{
    // TLS reads a record (at most 16 KiB) at a time, often in two reads (its header, then the rest): one recv of up
    // to 64 KiB here serves several of them, instead of a system call each.
    private const int ReadAhead = 64 * 1024;
    private byte[]? _readAhead;
    private int _start, _end;
    private long _sent, _received, _sends, _receives;
    private int _disposed;

    /// <summary>Bytes sent and received, send() calls and recv() calls that brought data, so far.</summary>
    public (long BytesSent, long BytesReceived, long Sends, long Receives) Counts =>
        (Interlocked.Read(ref _sent), Interlocked.Read(ref _received), Interlocked.Read(ref _sends), Interlocked.Read(ref _receives));

    /// <summary>Called once when the stream is disposed (after the socket it owns is closed).</summary>
    public Action? Closed { get; set; }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_start == _end)
        {
            // A zero-byte read waits for data without a buffer; a read as large as ours needs no copy.
            if (buffer.IsEmpty || buffer.Length >= ReadAhead) return Received(await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false));
            _readAhead ??= new byte[ReadAhead];
            _start = 0;
            _end = Received(await socket.ReceiveAsync(_readAhead, cancellationToken).ConfigureAwait(false));
            if (_end == 0) return 0;
        }
        var n = Math.Min(buffer.Length, _end - _start);
        _readAhead.AsSpan(_start, n).CopyTo(buffer.Span);
        _start += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var n = await socket.SendAsync(buffer, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _sent, n);
            Interlocked.Increment(ref _sends);
            buffer = buffer[n..];
        }
    }

    private int Received(int n)
    {
        if (n > 0)
        {
            Interlocked.Add(ref _received, n);
            Interlocked.Increment(ref _receives);
        }
        return n;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // SslStream reads and writes asynchronously when its caller does; the synchronous forms are there for completeness.
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (ownsSocket) socket.Dispose();
            Closed?.Invoke();
        }
        base.Dispose(disposing);
    }
}
