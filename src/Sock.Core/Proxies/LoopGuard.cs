using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Sock.Core.Proxies;

/// <summary>
/// Keeps the proxy from connecting to itself: a destination that is one of its own listening sockets (or, for a
/// listener on a wildcard address, any of this machine's addresses on that port) would take a connection slot per
/// hop until descriptors run out. The machine's addresses are read again at most every 30 s (interfaces come and go).
/// </summary>
internal sealed class LoopGuard
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(30);
    private readonly List<IPEndPoint> _listening = [];
    private HashSet<IPAddress> _own = [];
    private long _ownReadAt = long.MinValue;

    public void Add(IPEndPoint listening)
    {
        lock (_listening) _listening.Add(new IPEndPoint(Plain(listening.Address), listening.Port));
    }

    /// <summary>The reason <paramref name="address"/>:<paramref name="port"/> is the proxy itself, or null.</summary>
    public string? Refusal(IPAddress address, int port)
    {
        var a = Plain(address);
        IPEndPoint[] listening;
        lock (_listening) listening = [.. _listening];
        foreach (var l in listening)
        {
            if (l.Port != port) continue;
            if (l.Address.Equals(a)) return $"loop: {Endpoints.EndpointText.Format(a, port)} is this proxy's own listening address";
            if ((l.Address.Equals(IPAddress.Any) || l.Address.Equals(IPAddress.IPv6Any)) && IsOwn(a))
                return $"loop: {Endpoints.EndpointText.Format(a, port)} is this machine, where this proxy listens on port {port}";
        }
        return null;
    }

    private bool IsOwn(IPAddress a)
    {
        if (IPAddress.IsLoopback(a) || a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any)) return true;
        var now = Environment.TickCount64;
        if (now - Volatile.Read(ref _ownReadAt) > (long)Refresh.TotalMilliseconds)
        {
            try
            {
                _own = [.. NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(u => Plain(u.Address))];
            }
            catch (NetworkInformationException)
            {
            }
            Volatile.Write(ref _ownReadAt, now);
        }
        return _own.Contains(a);
    }

    // 127.0.0.1 and ::ffff:127.0.0.1 are one address; an IPv6 address's scope is not part of what it names here.
    private static IPAddress Plain(IPAddress a)
    {
        if (a.IsIPv4MappedToIPv6) return a.MapToIPv4();
        if (a.AddressFamily == AddressFamily.InterNetworkV6 && a.ScopeId != 0) return new IPAddress(a.GetAddressBytes());
        return a;
    }
}
