namespace Sock.Core.Inspection;

/// <summary>What to read from the socket table.</summary>
/// <param name="Kinds">Which tables to read (TCP, UDP, raw; per family).</param>
/// <param name="States">Which states, as a mask of 1 &lt;&lt; kernel state number (<see cref="SocketStates"/>); all by default.</param>
/// <param name="TcpInternals">Ask for tcp_info (rtt, cwnd…) where the source can give it.</param>
/// <param name="Memory">Ask for each socket's memory (<see cref="SocketMemory"/>) where the source can give it.</param>
public sealed record SocketTableQuery(SocketKinds Kinds, uint States = SocketStates.All, bool TcpInternals = false, bool Memory = false);
