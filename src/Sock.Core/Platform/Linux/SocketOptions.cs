using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>
/// Linux's numbers for the socket option levels and names ping and traceroute set that .NET has no name for
/// (IP_RECVERR, the path-MTU modes, SO_TIMESTAMPNS…), for <see cref="SocketCalls.GetIntOption"/> and
/// <c>Socket.SetRawSocketOption</c>.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class SocketOptions
{
    public const int SolSocket = 1;
    public const int SoError = 4;
    public const int SoTimestampNs = 35;
    public const int SolIp = 0;
    public const int IpTtl = 2;
    public const int IpMtuDiscover = 10;
    public const int IpRecvErr = 11;
    public const int IpRecvTtl = 12;
    public const int IpMtu = 14;
    public const int IpPmtuDiscProbe = 3;
    public const int SolIpv6 = 41;
    public const int Ipv6UnicastHops = 16;
    public const int Ipv6MtuDiscover = 23;
    public const int Ipv6Mtu = 24;
    public const int Ipv6RecvErr = 25;
    public const int Ipv6RecvHopLimit = 51;
    public const int Ipv6HopLimit = 52;
    public const int Ipv6PmtuDiscProbe = 3;
}
