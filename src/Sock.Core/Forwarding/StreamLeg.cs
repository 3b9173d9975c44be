using System.IO.Pipelines;

namespace Sock.Core.Forwarding;

/// <summary>
/// A leg over two streams — one read from, one written to — for targets that are not sockets: a program's stdout and stdin,
/// a file, a terminal, sock's own stdin and stdout. End of the read stream is this side's end of stream; completing the
/// relay's writes disposes the write stream (a program sees its stdin close). Writes wait for the stream (a slow program
/// holds the relay, not memory).
/// </summary>
public sealed class StreamLeg : ForwardLeg
{
    private readonly Action<bool>? _abort;
    private readonly Stream _read;
    private readonly Stream _write;

    /// <summary>
    /// A leg reading <paramref name="read"/> and writing <paramref name="write"/> (they may be one stream), named
    /// <paramref name="description"/>; <paramref name="abort"/>, if given, is called with the reset flag when the relay ends
    /// this side at once (to kill a program, say). Both streams are disposed with the leg.
    /// </summary>
    public StreamLeg(Stream read, Stream write, string description, Action<bool>? abort = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(write);
        _read = read;
        _write = write;
        _abort = abort;
        Description = description;
        var same = ReferenceEquals(read, write);
        Transport = new Connections.DuplexPipe(
            PipeReader.Create(read, new StreamPipeReaderOptions(leaveOpen: same)),
            PipeWriter.Create(write, new StreamPipeWriterOptions(leaveOpen: same)));
    }

    /// <inheritdoc/>
    public override IDuplexPipe Transport { get; }

    /// <inheritdoc/>
    public override string Description { get; }

    /// <inheritdoc/>
    public override void Abort(string reason, bool reset)
    {
        _abort?.Invoke(reset);
        // A pipe the relay has completed already (one way ended before a limit ended the pair) has nothing to cancel.
        try { Transport.Input.CancelPendingRead(); } catch (ObjectDisposedException) { } catch (InvalidOperationException) { }
        try { Transport.Output.CancelPendingFlush(); } catch (ObjectDisposedException) { } catch (InvalidOperationException) { }
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await _read.DisposeAsync().ConfigureAwait(false);
        if (!ReferenceEquals(_read, _write)) await _write.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
