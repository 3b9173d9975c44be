using System.CommandLine;
using System.Net;
using Sock.AspNetCore;
using Sock.Cli.Rendering;
using Sock.Cli.Ui;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Serving;
using Sock.Core.Tls;

namespace Sock.Cli.Commands;

/// <summary>
/// sock serve http [DIR]: the directory as a web site (what python3 -m http.server is used for), on Kestrel over
/// sock's transport (Sock.AspNetCore's <see cref="StaticFileHost"/>). Port 8000 and every address by default, as python's.
/// </summary>
internal static class ServeHttp
{
    /// <summary>python3 -m http.server's port: what a user of it types next.</summary>
    public const int DefaultPort = 8000;

    /// <summary>The serve options http reads, and those it does not (each a usage error when given).</summary>
    public sealed record Inputs(
        string? Port, string? Bind, string? Unix, string? Status, bool Verbose, bool Json, int? MaxConns, string? Idle,
        TimeSpan Drain, int? IoThreads, bool ReusePort, TlsServerOptions? Tls, bool Ui, IReadOnlyList<string> NotForHttp);

    public static async Task<int> RunAsync(string[] names, Inputs input, ServerSignals signals, ParseResult parse)
    {
        if (names.Length > 2) throw SockException.Usage("serve http", string.Join(' ', names.Skip(2)), "http serves one directory (and runs alone)");
        if (input.NotForHttp.Count > 0) throw SockException.Usage("serve http", string.Join(' ', input.NotForHttp), "does not apply to http");
        if (input.Tls is { Verify: true }) throw SockException.Usage("serve http", "--ssl-verify", "client certificates are not asked for by serve http");
        // Its trust store is only for client certificates, which serve http never asks for: refused, not ignored.
        if (input.Tls is { TrustFile: not null }) throw SockException.Usage("serve http", "--ssl-trustfile", "client certificates are not asked for by serve http");
        var root = names.Length > 1 ? names[1] : ".";

        var options = new StaticFileHostOptions { Root = root };
        if (input.Unix is { } path)
        {
            if (input.Port is not null || input.Bind is not null) throw SockException.Usage("serve http", "--unix --port/--bind", "contradictory options (a Unix socket has no port or address)");
            options.EndPoints.Add(EndpointText.UnixEndPoint(path));
        }
        else
        {
            var port = input.Port is null ? DefaultPort : Ports.Parse(input.Port, "port", allowZero: true);
            var address = input.Bind is null ? IPAddress.IPv6Any : EndpointText.ParseAddress(EndpointText.Unbracket(input.Bind), "bind address");
            options.EndPoints.Add(new IPEndPoint(address, port));
        }
        var server = options.Transport.Server;
        server.MaxConnections = input.MaxConns ?? 0;
        if (server.MaxConnections < 0) throw SockException.Usage("max-conns", server.MaxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 0 or more");
        server.IdleTimeout = input.Idle is { } i ? Durations.ParsePositive(i, "idle timeout") : null;
        server.ReusePort = input.ReusePort;
        if (input.IoThreads is { } threads)
        {
            if (threads is < 0 or > 1024) throw SockException.Usage("io-threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 0 to 1024");
            server.IoThreads = threads;
        }
        var statusEvery = input.Status is { } s ? Durations.Parse(s, "status interval") : (TimeSpan?)null;
        if (statusEvery is { } se && se <= TimeSpan.Zero) throw SockException.Usage("status interval", input.Status!, "must be more than 0");
        options.Transport.Trace = TraceWriter.FromOptions(parse);

        await using var logLines = new LinePrinter(Console.Error, capacity: 4096);
        await using var printer = new LinePrinter(Console.Out, capacity: 4096);
        IServeLog log = input.Json ? new ServeJsonLog(printer, input.Verbose) : new ServeLog(logLines, printer, input.Verbose);
        if (input.Tls is { } tls)
        {
            options.Certificate = TlsServer.Certificate(tls);
            log.Certificate(options.Certificate, temporary: tls.CertFile is null);
        }
        if (input.Json || input.Verbose) options.OnRequest = log.HttpRequest;

        await using var host = await StaticFileHost.StartAsync(options, signals.Stopping);
        for (var n = 0; n < host.EndPoints.Count; n++) log.HttpServing(host.EndPoints[n], host.Urls[n], host.Root, options.Certificate is not null);
        signals.OnStatusSignal(() => log.Status(host.Connections.Sockets));
        var started = DateTimeOffset.UtcNow;
        await using var panel = input.Ui ? StatusEndpoint.Start("serve", () => ServerPanel.OfSockets("serve http " + host.Root, started, host.Connections.Sockets)) : null;
        var timer = statusEvery is { } every ? new Timer(_ => log.Status(host.Connections.Sockets), null, every, every) : null;
        try
        {
            await Task.Delay(Timeout.Infinite, signals.Stopping);
        }
        catch (OperationCanceledException)
        {
        }
        if (timer is not null) await timer.DisposeAsync();
        var open = host.Connections.ActiveConnections;
        log.Stopping(open, input.Drain);
        log.Stopped(await host.StopAsync(input.Drain));
        await printer.DrainAsync(input.Drain);
        await logLines.DrainAsync(input.Drain);
        return ExitCodes.Success;
    }
}
