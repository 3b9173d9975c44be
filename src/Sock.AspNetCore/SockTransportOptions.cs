using Sock.Core.Serving;

namespace Sock.AspNetCore;

/// <summary>
/// How Kestrel's connections run over sock's engine. The engine's own options (<see cref="Server"/>) have their named
/// defaults (Kestrel's where Kestrel has one: backlog 512, 1 MiB input and 64 KiB output bounds, NoDelay on); what the
/// transport adds is here.
/// </summary>
public sealed class SockTransportOptions
{
    /// <summary>
    /// The engine's options: epoll threads (<see cref="ServerOptions.IoThreads"/>; 0 takes .NET's socket engine, the path
    /// on every system other than Linux), buffer bounds, block size, backlog, SO_REUSEPORT, idle timeout, connection
    /// limit. Kestrel's own limits (request sizes, keep-alive timeout, graceful shutdown) stay Kestrel's. One default
    /// differs from a bare <see cref="SocketServer"/>'s: <see cref="Sock.Core.Connections.ConnectionOptions.HandlerOnThreadPool"/>
    /// is on, so Kestrel and the application run on the thread pool, as over Kestrel's own transport, never on an epoll
    /// thread that an application blocking would stall for every connection on it; set it off for the engine's inline path.
    /// </summary>
    public ServerOptions Server { get; } = new() { Connection = { HandlerOnThreadPool = true } };

    /// <summary>
    /// Where the engine writes its BSD-call trace, instead of the "Sock.Trace" log category (a console tool's
    /// <c>--trace</c>); null (the default) leaves the choice to that category's log level.
    /// </summary>
    public Sock.Core.Tracing.SocketTrace? Trace { get; set; }
}
