using System.Net;
using Sock.Core.Endpoints;

namespace Sock.Core.Proxies;

/// <summary>
/// Where a client asked to go: a host name (<see cref="Name"/>, to be resolved by the proxy) or an address, and a port.
/// </summary>
internal sealed record ProxyRequest(string? Name, IPAddress? Address, int Port)
{
    /// <summary>As people write it: example.org:80, 10.1.2.3:22, [::1]:443.</summary>
    public override string ToString() =>
        Address is { } a ? EndpointText.Format(a, Port)
        : Name!.Contains(':', StringComparison.Ordinal) ? $"[{Name}]:{Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
        : $"{Name}:{Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
