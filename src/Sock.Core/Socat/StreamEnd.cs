namespace Sock.Core.Socat;

/// <summary>
/// An end made of two .NET streams, one to read and one to write (either may be missing): stdio, a file, a named or
/// unnamed pipe. Shutting down the write side closes the write stream, so its reader sees the end (as socat closes
/// its stdout).
/// </summary>
internal class StreamEnd(string name, Stream? input, Stream? output, IAsyncDisposable? owner = null) : SocatEnd
{
    private int _shut;

    public override string Name => name;

    public override bool CanRead => input is not null;

    public override bool CanWrite => output is not null;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
    {
        if (input is null) return 0;
        try
        {
            return await input.ReadAsync(buffer, ct).AsTask().WaitAsync(ct).ConfigureAwait(false);
        }
        // A pseudo terminal's master reads EIO once no slave is open: that is its end of input.
        catch (IOException) when (EndOnInputError) { return 0; }
    }

    /// <summary>True when a read error means the end of input rather than a failure.</summary>
    protected virtual bool EndOnInputError => false;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (output is null) return;
        await output.WriteAsync(data, ct).ConfigureAwait(false);
        await output.FlushAsync(ct).ConfigureAwait(false);
    }

    public override ValueTask ShutdownWriteAsync()
    {
        if (output is null || Interlocked.Exchange(ref _shut, 1) != 0) return default;
        // A stream that is also the input (a file or pipe opened both ways) stays open for reading.
        if (ReferenceEquals(output, input)) return default;
        try { output.Dispose(); }
        catch (IOException) { }
        return default;
    }

    public override async ValueTask DisposeAsync()
    {
        try { if (input is not null) await input.DisposeAsync().ConfigureAwait(false); } catch (IOException) { }
        try { if (output is not null && !ReferenceEquals(output, input)) await output.DisposeAsync().ConfigureAwait(false); } catch (IOException) { }
        if (owner is not null) await owner.DisposeAsync().ConfigureAwait(false);
    }
}
