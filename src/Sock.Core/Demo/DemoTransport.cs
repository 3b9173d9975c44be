namespace Sock.Core.Demo;

/// <summary>Which socket the hello demo walks through.</summary>
internal enum DemoTransport
{
    /// <summary>TCP over IPv4 loopback (the seed example).</summary>
    Tcp4,
    /// <summary>TCP over IPv6 loopback.</summary>
    Tcp6,
    /// <summary>UDP over IPv4 loopback: no listen, no accept, an address on every datagram.</summary>
    Udp4,
    /// <summary>UDP over IPv6 loopback.</summary>
    Udp6,
    /// <summary>A Unix domain stream socket in a temporary directory.</summary>
    Unix,
}
