using System.Net;

namespace Sock.Core.Icmp;

/// <summary>
/// One recvmsg's result: how many bytes, from where, the TTL or hop limit it arrived with (-1 when the kernel did not
/// say), the kernel's receive time (CLOCK_REALTIME nanoseconds, 0 when not given), and for the error queue the error.
/// </summary>
internal readonly record struct ReceivedPacket(int Length, IPEndPoint? From, int Ttl, long KernelTimeNs, ExtendedError? Error);
