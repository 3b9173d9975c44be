namespace Sock.Core.Benchmarking;

/// <summary>One measurement a <see cref="BenchServer"/> took part in, as the server saw it.</summary>
/// <param name="Peer">The client's address.</param>
/// <param name="Kind">"tcp", "unix" (the same stream measurement over a Unix socket) or "udp".</param>
/// <param name="Streams">Data connections (TCP).</param>
/// <param name="Reverse">The server sent (TCP --reverse).</param>
/// <param name="Bytes">Bytes the server received (or sent with --reverse) while measuring.</param>
/// <param name="Seconds">From the start of measuring to the last byte.</param>
/// <param name="Gbps">Bytes over seconds, Gbit/s.</param>
/// <param name="Udp">UDP delivery figures (UDP).</param>
public sealed record BenchServerSession(string Peer, string Kind, int Streams, bool Reverse, long Bytes, double Seconds, double Gbps, UdpSummary? Udp);
