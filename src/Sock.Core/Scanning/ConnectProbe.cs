using System.Net.Sockets;

namespace Sock.Core.Scanning;

/// <summary>
/// One connect in flight. The event args are reused from probe to probe (only the socket is new each time), so a
/// scan of 65,535 ports allocates a few thousand of these, not one per port.
/// </summary>
internal sealed class ConnectProbe(PortableConnectScan scan) : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true)
{
    /// <summary>Guards the hand-over between the completion and the timeout sweep.</summary>
    public readonly Lock Gate = new();

    /// <summary>Index of the (target, port) pair.</summary>
    public int Job;

    /// <summary>This probe's try number, 1 for the first.</summary>
    public int Try;

    /// <summary>The socket of the current connect.</summary>
    public Socket? Socket;

    /// <summary>The trace handle, when tracing.</summary>
    public long Handle;

    /// <summary>Stopwatch timestamp of the connect call.</summary>
    public long Started;

    /// <summary>Stopwatch timestamp after which the sweep gives up on it.</summary>
    public long Deadline;

    /// <summary>True while the connect is outstanding.</summary>
    public bool Active;

    /// <summary>Set by the sweep when it closed the socket because time ran out.</summary>
    public bool TimedOut;

    protected override void OnCompleted(SocketAsyncEventArgs e) => scan.OnConnectCompleted(this);
}
