namespace Sock.Core.Sockets;

/// <summary>
/// A connected stream socket as a <see cref="Stream"/>, for what wants one (a TLS session over it): every read and
/// write is the socket's own traced recv and send, so --trace shows the bytes that really cross the wire and failures
/// stay <see cref="Errors.SockException"/>s. Does not own the socket.
/// </summary>
internal sealed class TracedSocketStream(TracedSocket socket) : Stream
{
    // TLS reads a record (at most 16 KiB) at a time, often in two reads (its header, then the rest): one recv of up
    // to 64 KiB here serves several of them, instead of a system call each.
    private const int ReadAhead = 64 * 1024;
    private byte[]? _readAhead;
    private int _start, _end;

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
            if (buffer.IsEmpty || buffer.Length >= ReadAhead) return await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            _readAhead ??= new byte[ReadAhead];
            _start = 0;
            _end = await socket.ReceiveAsync(_readAhead, cancellationToken).ConfigureAwait(false);
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
            buffer = buffer[await socket.SendAsync(buffer, cancellationToken).ConfigureAwait(false)..];
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
}
