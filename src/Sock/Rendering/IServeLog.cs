using Sock.Core.Inetd;
using Sock.Core.Serving;
using Sock.Core.Connections;

namespace Sock.Cli.Rendering;

/// <summary>
/// What `sock serve` reports: the library's events (<see cref="IInetdObserver"/>, the engine's and the services') and the
/// command's own (the socket table on demand, the end), one renderer as text (<see cref="ServeLog"/>), one as NDJSON
/// (<see cref="ServeJsonLog"/>).
/// </summary>
internal interface IServeLog : IInetdObserver
{
    void Status(IReadOnlyList<SocketRecord> sockets);

    void Stopped(int forced);
}
