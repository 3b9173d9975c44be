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
    /// <summary>serve http listens on <paramref name="endpoint"/> (<paramref name="url"/>), serving the files of <paramref name="root"/>.</summary>
    void HttpServing(System.Net.EndPoint endpoint, string url, string root, bool tls);
    /// <summary>serve http answered one request (the access log: -v as text, always with --json).</summary>
    void HttpRequest(Sock.AspNetCore.HttpAccessRecord request);

    void Stopped(int forced);
}
