using System.Buffers;
using System.IO.Pipelines;

namespace Sock.Core.Serving;

/// <summary>
/// A connection's pair of pipes as one <see cref="Stream"/>, for what wants a stream to run over (an
/// <see cref="System.Net.Security.SslStream"/>): reads take from the input pipe, writes go to the output pipe and are
/// flushed, with its backpressure. A read that is cancelled (<see cref="PipeReader.CancelPendingRead"/>) throws
/// <see cref="OperationCanceledException"/>; a write to a peer that is gone throws <see cref="IOException"/>. Does not
/// complete the pipes: they belong to the connection.
/// </summary>
internal sealed class DuplexPipeStream(IDuplexPipe pipe) : Stream
{
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await pipe.Input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled) throw new OperationCanceledException("the read was cancelled");
            var available = result.Buffer;
            if (available.IsEmpty && !result.IsCompleted)
            {
                pipe.Input.AdvanceTo(available.End);
                continue;
            }
            // A zero-byte read (SslStream waits for data with one) consumes nothing.
            var n = (int)Math.Min(available.Length, buffer.Length);
            available.Slice(0, n).CopyTo(buffer.Span);
            pipe.Input.AdvanceTo(available.GetPosition(n));
            if (n > 0 || result.IsCompleted || buffer.IsEmpty) return n;
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var flush = await pipe.Output.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (flush.IsCompleted) throw new IOException("the peer is gone");
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        var flush = await pipe.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (flush.IsCompleted) throw new IOException("the peer is gone");
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // SslStream uses only the asynchronous calls here; the synchronous ones are there for the Stream contract.
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
