using System.Net;
using Sock.Core.Serving;
using Sock.Core.Inetd;

namespace Sock.Cli.Rendering;

/// <summary>What `sock serve` reports, beyond the engine's own events: one renderer as text (<see cref="ServeLog"/>), one as NDJSON (<see cref="ServeJsonLog"/>).</summary>
internal interface IServeLog : IServerObserver
{
    void Listening(SmallService service, string protocol, EndPoint bound);

    void Status(IReadOnlyList<SocketRecord> sockets);

    /// <summary>What a hello client said: waits for room in stdout's queue (only that client waits).</summary>
    ValueTask MessageAsync(ServiceMessage message);

    void Stopping(int open, TimeSpan drain);

    void Stopped(int forced);
}
