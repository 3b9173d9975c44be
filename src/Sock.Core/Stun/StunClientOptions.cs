using System.Net;
using System.Net.Sockets;
using Sock.Core.Tracing;

namespace Sock.Core.Stun;

/// <summary>How <see cref="StunClient.BindAsync"/> asks: the transport, the address family, where it sends from, how long it tries.</summary>
public sealed class StunClientOptions
{
    /// <summary>STUN over TCP (one request on a connection, RFC 8489 §6.2.2) instead of UDP with retransmissions. Default false: UDP.</summary>
    public bool Tcp { get; init; }

    /// <summary>The address family the server's name resolves to; default either (a source address decides it when one is given).</summary>
    public AddressFamily Family { get; init; } = AddressFamily.Unspecified;

    /// <summary>The local address to send from; null: the wildcard, so the system picks the address toward the server.</summary>
    public IPAddress? SourceAddress { get; init; }

    /// <summary>The local port to send from (the mapping of that port is what the answer tells); 0, the default: any free port.</summary>
    public int SourcePort { get; init; }

    /// <summary>
    /// Give up after this long; null (the default): when the UDP retransmissions run out (39.5 s with the RFC's schedule),
    /// or after Ti (<see cref="StunClient.TcpTimeout"/>, 39.5 s) over TCP, connecting included.
    /// </summary>
    public TimeSpan? Limit { get; init; }

    /// <summary>When UDP requests are sent again (RFC 8489 §6.2.1); default the RFC's: RTO 500 ms, 7 sends.</summary>
    public StunRetransmission Retransmission { get; init; } = new();

    /// <summary>Where the socket calls and STUN messages are traced; null (the default) traces nothing.</summary>
    public SocketTrace? Trace { get; init; }
}
