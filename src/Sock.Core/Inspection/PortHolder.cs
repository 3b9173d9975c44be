using System.Net;

namespace Sock.Core.Inspection;

/// <summary>A socket bound to a port, with the processes and user that hold it.</summary>
/// <param name="Netid">tcp or udp.</param>
/// <param name="State">LISTEN, UNCONN, ESTAB…</param>
/// <param name="Address">The local address.</param>
/// <param name="Port">The local port.</param>
/// <param name="Uid">The owning user id.</param>
/// <param name="User">The owning user's name, when the password database knows it.</param>
/// <param name="Owners">The processes holding it (empty when they could not be seen).</param>
public sealed record PortHolder(string Netid, string State, IPAddress Address, int Port, int Uid, string? User, IReadOnlyList<SocketOwner> Owners);
