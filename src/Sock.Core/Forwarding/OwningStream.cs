namespace Sock.Core.Forwarding;

/// <summary>
/// A stream that passes everything to <c>inner</c> and, when disposed, also releases what stands behind it (a program to
/// wait for or stop, a pseudo terminal's slave and link): so a <see cref="StreamLeg"/>, which disposes its streams, ends
/// whatever the target made for it. A read error that stands for the end of input (a terminal's master reads EIO once
/// no slave is open) reads as 0 when <c>endOnReadError</c>.
/// </summary>
internal sealed class OwningStream(Stream inner, Action release, bool endOnReadError = false) : Stream
{
    private int _released;

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        try { return inner.Read(buffer, offset, count); }
        catch (IOException) when (endOnReadError) { return 0; }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try { return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false); }
        catch (IOException) when (endOnReadError) { return 0; }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try { inner.Dispose(); }
            catch (IOException) { }
            if (Interlocked.Exchange(ref _released, 1) == 0) release();
        }
        base.Dispose(disposing);
    }
}
