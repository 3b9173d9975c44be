using System.Net;

namespace Sock.Core.Inetd;

/// <summary>One socket a service listens on: the service, the protocol ("tcp", "udp", "unix", "unixgram"), the address bound, and whether it speaks TLS.</summary>
/// <param name="Service">The service.</param>
/// <param name="Protocol">tcp, udp, unix or unixgram.</param>
/// <param name="EndPoint">The address bound (with the port the system picked for port 0).</param>
/// <param name="Tls">True when every connection to it runs TLS.</param>
public sealed record InetdBinding(SmallService Service, string Protocol, EndPoint EndPoint, bool Tls);
