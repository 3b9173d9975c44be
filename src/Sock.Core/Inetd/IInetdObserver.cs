using System.Security.Cryptography.X509Certificates;
using Sock.Core.Serving;
using Sock.Core.Connections;

namespace Sock.Core.Inetd;

/// <summary>
/// What an <see cref="InetdServer"/> reports, beyond its engine's events (<see cref="IServerObserver"/>); every method has an
/// empty default. A renderer (text, JSON) implements it.
/// </summary>
public interface IInetdObserver : IServerObserver
{
    /// <summary>The certificate TLS presents, once at start; <paramref name="temporary"/>: made now, self-signed (no --ssl-cert).</summary>
    void Certificate(X509Certificate2 certificate, bool temporary) { }

    /// <summary>A service listens here: told for each socket once every one is bound.</summary>
    void Listening(InetdBinding binding) { }

    /// <summary>A client's TLS session began: its protocol, cipher suite, ALPN and client certificate (<paramref name="session"/>).</summary>
    void TlsEstablished(SocketRecord record, string session) { }

    /// <summary>What a hello client said; hello waits for this before it replies, so a slow reader holds up that client only.</summary>
    ValueTask MessageAsync(ServiceMessage message) => ValueTask.CompletedTask;

    /// <summary>A stop has begun: the listening sockets are closed, <paramref name="open"/> connections may finish within <paramref name="drain"/>.</summary>
    void Stopping(int open, TimeSpan drain) { }
}
