using Sock.Core.Connections;

namespace Sock.AspNetCore;

/// <summary>
/// The socket under a connection served by Kestrel over sock's transport: its record as the socket model describes it —
/// handle (file descriptor), family, local and remote address, state, bytes each way, when it opened and was last
/// active. On <c>HttpContext.Features</c> (and on the connection's features) for every request the transport carries.
/// </summary>
/// <example>
/// <code>
/// app.MapGet("/socket", (HttpContext c) => c.Features.Get&lt;IConnectionSocketRecordFeature&gt;()!.Record);
/// </code>
/// </example>
public interface IConnectionSocketRecordFeature
{
    /// <summary>The socket's record as it is now (a new snapshot at every read: the byte counts move).</summary>
    SocketRecord Record { get; }
}
