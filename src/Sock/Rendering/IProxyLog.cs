using Sock.Core.Proxies;

namespace Sock.Cli.Rendering;

/// <summary>
/// What `sock proxy` reports: the library's events (<see cref="IProxyObserver"/>) and the command's own (the session
/// table on demand, the end), as text (<see cref="ProxyLog"/>) or NDJSON (<see cref="ProxyJsonLog"/>).
/// </summary>
internal interface IProxyLog : IProxyObserver
{
    void Status(IReadOnlyList<ProxySession> sessions);

    void Stopped(int forced);
}
