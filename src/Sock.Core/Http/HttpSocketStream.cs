using System.Net.Sockets;
using Sock.Core.Benchmarking;
using Sock.Core.Endpoints;
using Sock.Core.Sockets;

namespace Sock.Core.Http;

/// <summary>
/// The stream .NET's HTTP handler talks through: a connected <see cref="TracedSocket"/>, so --trace shows every send and
/// recv and failures stay <see cref="Errors.SockException"/>s, counting what goes through for the socket's record. Owns
/// the socket: the handler disposing its connection closes it.
/// </summary>
internal sealed class HttpSocketStream(TracedSocket socket, Action<HttpSocketInfo>? closed) : Stream
{
    private readonly string _transport = BenchConnector.TransportName(socket.Socket.RemoteEndPoint ?? socket.Socket.LocalEndPoint!, datagram: false);
    private readonly string _local = EndpointText.Format(socket.Socket.LocalEndPoint);
    private readonly string _remote = EndpointText.Format(socket.Socket.RemoteEndPoint);
    private readonly long _handle = socket.Handle;
    private long _sent, _received, _sends, _receives;
    private int _disposed;

    /// <summary>The socket's record as it stands.</summary>
    public HttpSocketInfo Info => new(_handle, _transport, _local, _remote, Interlocked.Read(ref _sent), Interlocked.Read(ref _received),
        Interlocked.Read(ref _sends), Interlocked.Read(ref _receives));

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n > 0)
        {
            Interlocked.Add(ref _received, n);
            Interlocked.Increment(ref _receives);
        }
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

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // The handler reads and writes asynchronously; the synchronous forms are there for completeness.
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
            socket.Dispose();
            closed?.Invoke(Info);
        }
        base.Dispose(disposing);
    }
}
