using Sock.Core.Serving;
using Sock.Core.Connections;

namespace Sock.Core.Inetd;

/// <summary>
/// One of the small services inetd used to run (echo, discard, daytime, qotd, chargen, time) or the seed's hello:
/// its name, its port in /etc/services, the RFC that defines it, and its handlers for streams and datagrams.
/// </summary>
public sealed class SmallService
{
    internal SmallService(string name, int standardPort, string definedBy, string summary, ConnectionHandler stream, DatagramHandler datagram)
    {
        Name = name;
        StandardPort = standardPort;
        DefinedBy = definedBy;
        Summary = summary;
        Stream = stream;
        Datagram = datagram;
    }

    /// <summary>echo, discard, daytime, qotd, chargen, time, hello.</summary>
    public string Name { get; }

    /// <summary>The port /etc/services gives it (hello: 8080, the seed example's).</summary>
    public int StandardPort { get; }

    /// <summary>"RFC 862" and so on.</summary>
    public string DefinedBy { get; }

    /// <summary>What it does, in one line.</summary>
    public string Summary { get; }

    /// <summary>The handler for a TCP or Unix stream connection.</summary>
    public ConnectionHandler Stream { get; }

    /// <summary>The handler for a UDP datagram.</summary>
    public DatagramHandler Datagram { get; }
}
