using System.IO.Pipelines;

namespace Sock.Core.Connections;

/// <summary>
/// A connection's output writer that counts what the handler commits, so the connection can tell when everything
/// written has been sent and a send may bypass the pipe (<see cref="Connection.SendAsync"/>).
/// </summary>
internal sealed class CountingPipeWriter(PipeWriter inner) : PipeWriter
{
    private long _written;

    /// <summary>Bytes committed (advanced) so far. Read from other threads.</summary>
    public long Written => Volatile.Read(ref _written);

    public override void Advance(int bytes)
    {
        inner.Advance(bytes);
        Volatile.Write(ref _written, _written + bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        var result = inner.WriteAsync(source, cancellationToken);
        Volatile.Write(ref _written, _written + source.Length);
        return result;
    }

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;
}
