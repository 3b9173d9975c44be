using System.Net;
using System.Net.Sockets;
using Sock.Cli.Rendering;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;
using Sock.Core.Proxies;

namespace Sock.Cli.Commands;

/// <summary>
/// ncat's proxy server mode, `ncat -l --proxy-type http [--proxy-auth USER:PASS]`: an HTTP proxy (CONNECT, and GET/POST
/// forwarded) on <see cref="ProxyServer"/>, the same server as `sock proxy`, with Basic and Digest offered as ncat offers
/// them. The rest of the command line is ncat's (address and port, -v, -n, --allow/--deny, -m); like ncat, without an
/// address it listens on every address.
/// </summary>
internal static class NcatProxyServer
{
    /// <summary>Serves <paramref name="o"/> (ncat's options, read by <see cref="NcatCommandLine"/>) as ncat's HTTP proxy.</summary>
    public static async Task<int> RunAsync(NetcatOptions o, string type, string? auth, System.CommandLine.ParseResult parse, CancellationToken ct)
    {
        if (type != "http")
            throw SockException.Usage("nc", $"--proxy-type {type}", "ncat's proxy server speaks http only (sock proxy serves SOCKS too)");
        if (o.UnixPath is not null || o.Udp) throw SockException.Usage("nc", "--proxy-type http", "an HTTP proxy listens on TCP");
        if (o.Tls is not null) throw SockException.Usage("nc", "--ssl", "the HTTP proxy server mode speaks plain HTTP here (sock proxy neither)");
        ProxyUsers? users = null;
        if (auth is not null)
        {
            var colon = auth.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw SockException.Usage("nc", "--proxy-auth", "expected USER:PASS");
            users = ProxyUsers.Create([(auth[..colon], auth[(colon + 1)..])]);
        }
        var endpoints = new List<EndPoint>();
        if (o.Host is { } host)
            foreach (var a in await NameResolver.ResolveAsync(host, o.Family, o.NoDns, ct)) endpoints.Add(new IPEndPoint(a, o.Port));
        else if (Socket.OSSupportsIPv6 && o.Family != AddressFamily.InterNetwork) endpoints.Add(new IPEndPoint(IPAddress.IPv6Any, o.Port));
        else endpoints.Add(new IPEndPoint(IPAddress.Any, o.Port));
        var access = await AccessList.CreateAsync(o.Allow, o.Deny, o.NoDns, ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var options = new ProxyServerOptions
        {
            Socks4 = false,
            Socks5 = false,
            Http = true,
            Users = users,
            HttpDigest = true,
            NcatChallenges = true,
            NoDns = o.NoDns,
            Trace = TraceWriter.FromOptions(parse),
            Server = new Sock.Core.Serving.ServerOptions { MaxConnections = o.MaxConnections },
        };
        await using var errorLines = new LinePrinter(Console.Error, capacity: 4096);
        var log = new ProxyLog(errorLines, o.Verbosity > 0);
        await using var proxy = ProxyServer.Bind(endpoints, options, log,
            access.Empty ? null : remote => remote is not IPEndPoint ip || access.Admits(ip.Address) ? null : "not allowed by --allow/--deny");
        await proxy.RunAsync(stop.Token);
        await errorLines.DrainAsync(TimeSpan.FromSeconds(1));
        return ExitCodes.Success;
    }
}
