using System.Buffers;
using System.IO.Pipelines;

namespace Sock.Core.Connections;

/// <summary>
/// What moves a <see cref="Connection"/>'s bytes between its socket and its handler: .NET's socket engine
/// (<see cref="SocketEngineTransport"/>, every system) or the server's own epoll threads (<see cref="EpollTransport"/>,
/// Linux). The connection owns the pipes, the record and the close; the transport owns the system calls.
/// </summary>
internal interface IConnectionTransport
{
    /// <summary>Starts filling the connection's input pipe from the socket; completes once the input pipe is completed.</summary>
    Task StartReceiving();

    /// <summary>Starts sending what is flushed to the connection's output pipe; completes once the output is drained and completed.</summary>
    Task StartSending();

    /// <summary>Pipes: sends <paramref name="data"/>, straight from its buffers where the engine can, else through the output pipe.</summary>
    ValueTask<FlushResult> SendAsync(ReadOnlySequence<byte> data);

    /// <summary>
    /// The raw path: runs <paramref name="handler"/> on the receive path until the input has ended and nothing is left to
    /// send (or the peer is gone, or the connection was aborted). The connection closes the socket afterwards.
    /// </summary>
    Task RunRawAsync(ReceiveHandler handler);

    /// <summary>The raw path: sends now what the socket takes, keeps the rest, and receives no more until it has gone.</summary>
    bool Send(ReadOnlySpan<byte> data);

    /// <summary>Ends the transport's loops at their next step, whatever the socket does (the descriptor is about to close).</summary>
    void Stop();
}
