using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using Sock.Core.Connections;
using Sock.Core.Errors;
using Sock.Core.Serving;

namespace Sock.Core.Tls;

/// <summary>
/// An established TLS session as a connection's pipes, what both TLS layers (<see cref="TlsServerLayer"/>,
/// the client's, on <see cref="SocketClient"/>) put in <see cref="Connection.Transport"/> once their handshake is done: an inbound pump
/// (session → plaintext input pipe) and an outbound pump (plaintext output pipe → session) over the socket-side pipes
/// the layer found. When whoever writes completes the output, what it wrote goes out, then close_notify, then the FIN
/// (as ncat ends a TLS session: the peer sees the end and may still answer). <see cref="StopAsync"/> ends both pumps
/// and puts the socket-side pipes back.
/// </summary>
internal sealed class TlsSessionPipes
{
    // A TLS record holds at most 16 KiB: what is written is cut into records of that size rather than one per pipe segment.
    private const int RecordSize = 16 * 1024;

    private readonly Connection _connection;
    private readonly IDuplexPipe _socketSide;
    private readonly Pipe _input = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Pipe _output = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Task _inbound;
    private readonly Task _outbound;

    private TlsSessionPipes(Connection connection, IDuplexPipe socketSide, SslStream ssl, string peer)
    {
        _connection = connection;
        _socketSide = socketSide;
        _inbound = InboundAsync(connection, ssl, _input.Writer, peer);
        _outbound = OutboundAsync(ssl, _output.Reader, socketSide.Output, peer);
        connection.Transport = new DuplexPipe(_input.Reader, _output.Writer);
    }

    /// <summary>
    /// Starts the pumps of <paramref name="ssl"/> (a session over <paramref name="socketSide"/>, the pipes the layer found)
    /// and puts the session's plaintext pipes in <paramref name="connection"/>'s <see cref="Connection.Transport"/>;
    /// <paramref name="peer"/> names the peer in failures.
    /// </summary>
    public static TlsSessionPipes Start(Connection connection, IDuplexPipe socketSide, SslStream ssl, string peer) =>
        new(connection, socketSide, ssl, peer);

    /// <summary>
    /// Whoever used the session's pipes is done: what was written is sent, then close_notify; the session stops reading,
    /// even from a peer that sends nothing more; and the socket-side pipes are back in <see cref="Connection.Transport"/>.
    /// </summary>
    public async Task StopAsync()
    {
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await _outbound.ConfigureAwait(false);
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        _socketSide.Input.CancelPendingRead();
        await _inbound.ConfigureAwait(false);
        _connection.Transport = _socketSide;
    }

    private static async Task InboundAsync(Connection connection, SslStream ssl, PipeWriter writer, string peer)
    {
        try
        {
            while (true)
            {
                // An idle session waits without a buffer of the pipe's (SslStream supports the zero-byte read).
                await ssl.ReadAsync(Memory<byte>.Empty).ConfigureAwait(false);
                var memory = writer.GetMemory(RecordSize);
                var n = await TlsIo.ReadAsync(ssl, memory, peer, CancellationToken.None).ConfigureAwait(false);
                if (n == 0) break; // close_notify, or the peer closed without one
                writer.Advance(n);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled) break;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SockException ex)
        {
            // A bad record or an alert, in the words listen --ssl uses; a socket error underneath has been recorded by now.
            connection.SetCloseReason(ex.Reason);
        }
        await writer.CompleteAsync().ConfigureAwait(false);
    }

    private static async Task OutboundAsync(SslStream ssl, PipeReader reader, PipeWriter socketOutput, string peer)
    {
        byte[]? staging = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                while (!buffer.IsEmpty)
                {
                    if (buffer.First.Length >= RecordSize || buffer.IsSingleSegment)
                    {
                        var chunk = buffer.First.Length > RecordSize ? buffer.First[..RecordSize] : buffer.First;
                        await TlsIo.WriteAsync(ssl, chunk, peer, CancellationToken.None).ConfigureAwait(false);
                        buffer = buffer.Slice(chunk.Length);
                        continue;
                    }
                    // Small segments in a row: gathered into one record.
                    staging ??= ArrayPool<byte>.Shared.Rent(RecordSize);
                    var n = (int)Math.Min(buffer.Length, RecordSize);
                    buffer.Slice(0, n).CopyTo(staging);
                    await TlsIo.WriteAsync(ssl, staging.AsMemory(0, n), peer, CancellationToken.None).ConfigureAwait(false);
                    buffer = buffer.Slice(n);
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled) break;
            }
            await ssl.ShutdownAsync().ConfigureAwait(false);
            // close_notify says the session's end; the FIN says the stream's, to a peer that reads to end of stream. The
            // connection sends it once the socket side's output is complete and drained.
            await socketOutput.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SockException or IOException or OperationCanceledException)
        {
            // The peer is gone (its reason recorded by the socket side): the writer's next flush sees IsCompleted once
            // the reader is complete.
        }
        finally
        {
            if (staging is not null) ArrayPool<byte>.Shared.Return(staging);
        }
        await reader.CompleteAsync().ConfigureAwait(false);
    }
}
