namespace Sock.Core.Inspection;

/// <summary>Which tables to read.</summary>
[Flags]
public enum SocketKinds
{
    /// <summary>TCP over IPv4.</summary>
    Tcp4 = 1,
    /// <summary>TCP over IPv6.</summary>
    Tcp6 = 2,
    /// <summary>UDP over IPv4.</summary>
    Udp4 = 4,
    /// <summary>UDP over IPv6.</summary>
    Udp6 = 8,
    /// <summary>Raw IPv4.</summary>
    Raw4 = 16,
    /// <summary>Raw IPv6.</summary>
    Raw6 = 32,
    /// <summary>Unix domain sockets of every type.</summary>
    Unix = 64,
    /// <summary>TCP, both families.</summary>
    Tcp = Tcp4 | Tcp6,
    /// <summary>UDP, both families.</summary>
    Udp = Udp4 | Udp6,
    /// <summary>Raw, both families.</summary>
    Raw = Raw4 | Raw6,
    /// <summary>Everything.</summary>
    All = Tcp | Udp | Raw | Unix,
}
