namespace Sock.Core.Netcat;

/// <summary>What a relay moved and how it ended.</summary>
/// <param name="BytesSent">Bytes sent to the peer.</param>
/// <param name="BytesReceived">Bytes received from the peer.</param>
/// <param name="End">Why it stopped.</param>
public sealed record RelayResult(long BytesSent, long BytesReceived, RelayEnd End);
