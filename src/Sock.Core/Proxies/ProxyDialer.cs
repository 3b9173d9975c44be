using System.Net;
using System.Net.Sockets;
using Sock.Core.Connections;
using Sock.Core.Endpoints;
using Sock.Core.Errors;

namespace Sock.Core.Proxies;

/// <summary>
/// The proxy's destination leg: resolves the name a client asked for, keeps the addresses the rules and the loop guard
/// allow (the connection goes to an address that was checked, never to a name resolved again behind the check), and
/// connects to them in turn with <see cref="SocketClient"/>.
/// </summary>
internal sealed class ProxyDialer(ProxyServerOptions options, LoopGuard guard)
{
    /// <summary>The addresses <paramref name="request"/> may go to, in the resolver's order; throws <see cref="ProxyRefusal"/> when none.</summary>
    public async Task<IPAddress[]> AllowedAddressesAsync(ProxyRequest request, CancellationToken ct)
    {
        IPAddress[] addresses;
        if (request.Address is { } literal) addresses = [literal];
        else
        {
            var name = request.Name!;
            if (options.Destinations.RefusalBeforeResolving(name, request.Port) is { } early)
                throw new ProxyRefusal(ProxyRefusalKind.NotAllowed, early);
            if (options.NoDns) throw new ProxyRefusal(ProxyRefusalKind.NotAllowed, $"{name} is a name, and this proxy resolves none (-n)");
            try
            {
                addresses = await NameResolver.ResolveAsync(name, AddressFamily.Unspecified, noDns: false, ct).ConfigureAwait(false);
            }
            catch (SockException ex)
            {
                throw new ProxyRefusal(ProxyRefusalKind.HostUnreachable, $"resolve {name} failed: {ex.Reason}");
            }
        }
        string? firstRefusal = null;
        var allowed = new List<IPAddress>(addresses.Length);
        foreach (var a in addresses)
        {
            var refusal = guard.Refusal(a, request.Port) ?? options.Destinations.Refusal(request.Name, a, request.Port);
            if (refusal is null) allowed.Add(a);
            else firstRefusal ??= refusal;
        }
        if (allowed.Count == 0) throw new ProxyRefusal(ProxyRefusalKind.NotAllowed, firstRefusal ?? "no address");
        return [.. allowed];
    }

    /// <summary>Connects to an allowed address of <paramref name="request"/>: the first that answers.</summary>
    public async Task<Connection> ConnectAsync(ProxyRequest request, CancellationToken ct)
    {
        var addresses = await AllowedAddressesAsync(request, ct).ConfigureAwait(false);
        var client = new SocketClientOptions { ConnectTimeout = options.ConnectTimeout, Trace = options.Trace, NoDns = true };
        ProxyRefusal? last = null;
        foreach (var a in addresses)
        {
            try
            {
                return await SocketClient.ConnectAsync(new IPEndPoint(a, request.Port), client, ct).ConfigureAwait(false);
            }
            catch (SockException ex) when (ex.Kind == SockErrorKind.Network)
            {
                last = new ProxyRefusal(Kind(ex.SocketError), $"connect to {EndpointText.Format(a, request.Port)} failed: {ex.Reason}");
            }
        }
        throw last!;
    }

    /// <summary>
    /// As <see cref="ConnectAsync"/>, with nothing started on the connection (no pipes, no transport loop): the socket is
    /// the caller's to splice and close.
    /// </summary>
    public async Task<UnstartedConnection> ConnectUnstartedAsync(ProxyRequest request, CancellationToken ct, EpollReactor? reactor = null)
    {
        var addresses = await AllowedAddressesAsync(request, ct).ConfigureAwait(false);
        var client = new SocketClientOptions { ConnectTimeout = options.ConnectTimeout, Trace = options.Trace, NoDns = true };
        ProxyRefusal? last = null;
        foreach (var a in addresses)
        {
            try
            {
                return await SocketClient.ConnectUnstartedAsync(a.ToString(), request.Port, null, client, ct, reactor).ConfigureAwait(false);
            }
            catch (SockException ex) when (ex.Kind == SockErrorKind.Network)
            {
                last = new ProxyRefusal(Kind(ex.SocketError), $"connect to {EndpointText.Format(a, request.Port)} failed: {ex.Reason}");
            }
        }
        throw last!;
    }

    private static ProxyRefusalKind Kind(SocketError? e) => e switch
    {
        SocketError.ConnectionRefused => ProxyRefusalKind.ConnectionRefused,
        SocketError.TimedOut => ProxyRefusalKind.TimedOut,
        SocketError.NetworkUnreachable or SocketError.NetworkDown => ProxyRefusalKind.NetworkUnreachable,
        SocketError.HostUnreachable or SocketError.HostDown or SocketError.HostNotFound or SocketError.NoData => ProxyRefusalKind.HostUnreachable,
        SocketError.AccessDenied => ProxyRefusalKind.NotAllowed,
        _ => ProxyRefusalKind.General,
    };
}
