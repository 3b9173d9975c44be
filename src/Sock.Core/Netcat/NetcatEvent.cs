using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Sock.Core.Netcat;

/// <summary>
/// What netcat reports as it runs (to an <see cref="INetcatObserver"/>): one record per kind of fact, with the facts and no
/// wording. Addresses are given as sock prints them (<see cref="Endpoints.EndpointText"/>), or "a local client" for an
/// unnamed Unix peer.
/// </summary>
public abstract record NetcatEvent;

/// <summary>connect: one address of the name could not be reached; the next is tried (ncat's -vv).</summary>
/// <param name="Target">The address and port tried.</param>
/// <param name="Reason">Why it failed.</param>
internal sealed record ConnectAttemptFailed(string Target, string Reason) : NetcatEvent;

/// <summary>connect: an address answered after an earlier one had failed (-vv).</summary>
/// <param name="Target">The address that answered.</param>
internal sealed record AnsweredAfterFailure(string Target) : NetcatEvent;

/// <summary>connect: the connection is made (with -z over TCP: the port is open).</summary>
/// <param name="Remote">The peer's address, or the socket path.</param>
/// <param name="Local">The local address, where there is one to tell.</param>
internal sealed record Connected(string Remote, string? Local) : NetcatEvent;

/// <summary>connect: a proxy of the chain connected onward (-v).</summary>
/// <param name="Proxy">The proxy, as a URL without its password.</param>
/// <param name="Destination">Where it connected: the next proxy, or the destination.</param>
internal sealed record ProxyPassed(string Proxy, string Destination) : NetcatEvent;

/// <summary>connect: the session is over.</summary>
/// <param name="BytesSent">Bytes sent to the peer.</param>
/// <param name="BytesReceived">Bytes received from it.</param>
/// <param name="End">Why it ended.</param>
internal sealed record SessionEnded(long BytesSent, long BytesReceived, RelayEnd End) : NetcatEvent;

/// <summary>connect -z -u: the probe drew no ICMP refusal in time.</summary>
/// <param name="Port">The port probed.</param>
/// <param name="Remote">The address probed.</param>
internal sealed record UdpProbeUnanswered(int Port, string Remote) : NetcatEvent;

/// <summary>connect --ssl without --ssl-verify: the server's certificate is not checked (a warning, always told).</summary>
internal sealed record TlsCertificateUnverified : NetcatEvent;

/// <summary>connect --ssl: the TLS session is up.</summary>
/// <param name="Session">The session (protocol, cipher, the server's certificate).</param>
/// <param name="Verified">Whether the server's certificate was checked.</param>
internal sealed record TlsClientSession(SslStream Session, bool Verified) : NetcatEvent;

/// <summary>listen --ssl without --ssl-cert: a temporary self-signed certificate was made.</summary>
internal sealed record TlsTemporaryCertificate : NetcatEvent;

/// <summary>listen --ssl: the certificate the listener presents.</summary>
/// <param name="Certificate">The certificate.</param>
internal sealed record TlsCertificate(X509Certificate2 Certificate) : NetcatEvent;

/// <summary>listen --ssl: a client's TLS session is up.</summary>
/// <param name="Peer">The client.</param>
/// <param name="Session">The session in one line: protocol, cipher suite, ALPN (TlsServer.Describe).</param>
internal sealed record TlsServerSession(string Peer, string Session) : NetcatEvent;

/// <summary>listen: the socket is bound and listening (one event per address).</summary>
/// <param name="Address">The address, with a note of the dual-stack wildcard where it applies.</param>
/// <param name="Datagram">True for UDP or a Unix datagram socket.</param>
internal sealed record Listening(string Address, bool Datagram) : NetcatEvent;

/// <summary>listen: a client connected (one client, -k with -e/-c), or a datagram peer was first heard from.</summary>
/// <param name="Peer">The client.</param>
/// <param name="Datagram">True for a datagram peer.</param>
internal sealed record ClientConnected(string Peer, bool Datagram = false) : NetcatEvent;

/// <summary>listen -k, --broker, --chat: a client joined.</summary>
/// <param name="Peer">The client.</param>
/// <param name="Client">Its number (ncat's client N; chat's user#N).</param>
/// <param name="Connected">How many clients are connected now, with it.</param>
internal sealed record HubClientJoined(string Peer, int Client, int Connected) : NetcatEvent;

/// <summary>listen: a client's connection closed; with the byte counts for the one-client session.</summary>
/// <param name="Peer">The client.</param>
/// <param name="BytesSent">Bytes sent to it (one client only).</param>
/// <param name="BytesReceived">Bytes received from it (one client only).</param>
internal sealed record ClientClosed(string Peer, long? BytesSent = null, long? BytesReceived = null) : NetcatEvent;

/// <summary>listen -k, --broker, --chat: a client left.</summary>
/// <param name="Peer">The client.</param>
/// <param name="Client">Its number.</param>
internal sealed record HubClientLeft(string Peer, int Client) : NetcatEvent;

/// <summary>listen: a client was refused at accept, before any byte was read.</summary>
/// <param name="Peer">The client.</param>
/// <param name="Reason">The refusal as the admission gave it: "denied (--allow/--deny)", "closed: too many connections (-m N)".</param>
internal sealed record ClientRefused(string Peer, string Reason) : NetcatEvent;

/// <summary>listen: a client's session failed (its TLS handshake, its program); the listener goes on.</summary>
/// <param name="Peer">The client.</param>
/// <param name="Message">What failed, and why.</param>
internal sealed record ClientFailed(string Peer, string Message) : NetcatEvent;

/// <summary>listen -u: a datagram was dropped, not taken as a peer's.</summary>
/// <param name="Peer">Its sender.</param>
/// <param name="Denied">True when --allow/--deny refused it; false when -m peers are known already.</param>
/// <param name="MaxPeers">The -m limit.</param>
internal sealed record DatagramDropped(string Peer, bool Denied, int MaxPeers) : NetcatEvent;

/// <summary>listen -u -k: a datagram to a peer could not be sent.</summary>
/// <param name="Peer">The peer.</param>
/// <param name="Reason">Why.</param>
internal sealed record DatagramSendFailed(string Peer, string Reason) : NetcatEvent;

/// <summary>listen -u -k with -e/-c: a peer's program exited, and the peer is forgotten.</summary>
/// <param name="Peer">The peer.</param>
internal sealed record DatagramProgramExited(string Peer) : NetcatEvent;

/// <summary>listen -u -k -i: a peer silent for the idle time is forgotten.</summary>
/// <param name="Peer">The peer.</param>
internal sealed record DatagramPeerForgotten(string Peer) : NetcatEvent;

/// <summary>listen: a connection was lost before it was set up (the peer reset at once); the listener goes on.</summary>
/// <param name="Reason">Why.</param>
internal sealed record ConnectionLost(string Reason) : NetcatEvent;

/// <summary>listen: accept failed for want of descriptors or buffers; the listener tries again.</summary>
/// <param name="Reason">Why.</param>
internal sealed record AcceptFailed(string Reason) : NetcatEvent;

/// <summary>listen: the serving engine reported an error that is none of the above.</summary>
/// <param name="Service">The listener's name.</param>
/// <param name="Message">The error.</param>
internal sealed record ListenerFailed(string Service, string Message) : NetcatEvent;

/// <summary>-o/-x: a recording file stopped taking writes and was dropped; the session goes on (a warning, always told).</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">Why.</param>
internal sealed record RecordingStopped(string? Path, string Reason) : NetcatEvent;

/// <summary>peer: listening on the local port and connecting to the peer from it.</summary>
/// <param name="Local">The local address.</param>
/// <param name="Peer">The peer.</param>
public sealed record PeerListening(string Local, string Peer) : NetcatEvent;

/// <summary>peer: a connection from someone other than the peer was refused.</summary>
/// <param name="From">Who connected.</param>
/// <param name="Peer">The peer expected.</param>
public sealed record PeerRefused(string From, string Peer) : NetcatEvent;

/// <summary>peer: a connect to the peer failed and is tried again.</summary>
/// <param name="Peer">The peer.</param>
/// <param name="Reason">Why it failed.</param>
public sealed record PeerRetrying(string Peer, string Reason) : NetcatEvent;

/// <summary>peer -u: a step of the connectivity check.</summary>
/// <param name="Check">Which check.</param>
/// <param name="Type">What arrived.</param>
/// <param name="From">From whom.</param>
public sealed record PeerCheck(int Check, string Type, string From) : NetcatEvent;
