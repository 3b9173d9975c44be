using Sock.Core.Serving;

namespace Sock.Core.Proxies;

/// <summary>What a <see cref="ProxyServer"/> reports as it runs, beside its engine's events; every method has an empty default.</summary>
public interface IProxyObserver : IServerObserver
{
    /// <summary>The proxy listens on <paramref name="address"/> (one call per listening socket, once all are bound).</summary>
    void Listening(string address) { }

    /// <summary>A session ended, relayed or refused; <paramref name="session"/> has its totals and outcome.</summary>
    void SessionEnded(ProxySession session) { }

    /// <summary>The server stopped accepting and waits up to <paramref name="drain"/> for <paramref name="open"/> sessions.</summary>
    void Stopping(int open, TimeSpan drain) { }
}
