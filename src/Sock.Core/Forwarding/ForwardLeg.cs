using System.IO.Pipelines;
using Sock.Core.Connections;

namespace Sock.Core.Forwarding;

/// <summary>
/// One side of a forwarded pair, as the relay sees it: a pair of pipes (<see cref="Transport"/>: what this side sent,
/// and what to send it), a name for the logs, the socket's record where it is a socket, and two ways to end it. The
/// accepted client is a leg, and so is whatever a target opens for it — a socket (<see cref="SocketTarget"/>), or anything
/// else with a reading and a writing end (<see cref="StreamLeg"/>: a program's stdin and stdout, a file, a terminal), so
/// new kinds of targets need no change to the relay.
/// </summary>
public abstract class ForwardLeg : IAsyncDisposable
{
    /// <summary>
    /// What this side sent (<c>Input</c>: completed at its end of stream) and what to send it (<c>Output</c>: completing it
    /// is the end of stream towards this side — a FIN, a TLS close_notify and FIN, a program's stdin closed).
    /// </summary>
    public abstract IDuplexPipe Transport { get; }

    /// <summary>This side as the logs name it: <c>127.0.0.1:51234</c>, <c>unix:/run/app.sock</c>, <c>exec:cat</c>.</summary>
    public abstract string Description { get; }

    /// <summary>The socket's record as it is now (bytes on the wire, state, close reason); null when this side is not a socket.</summary>
    public virtual SocketRecord? Record => null;

    /// <summary>True once this side's input ended with a reset (a TCP RST) rather than an orderly end of stream.</summary>
    public virtual bool InputReset => false;

    /// <summary>
    /// Ends this side now, for <paramref name="reason"/>: with <paramref name="reset"/> abortively (a TCP RST, where the
    /// transport has one), otherwise as a plain close. Pending reads and writes of <see cref="Transport"/> end.
    /// </summary>
    public abstract void Abort(string reason, bool reset);

    /// <summary>Releases what this side holds, once the relay is done with it (a target's socket is closed here).</summary>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return default;
    }
}
