using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sock.Cli.Rendering;
using Sock.Core.Errors;
using Sock.Core.Inspection;
using Sock.Core.Inspection.Filtering;

namespace Sock.Cli.Ui;

/// <summary>
/// sock ui's web server: the dashboard page (embedded, no CDN), the machine's socket table as Server-Sent Events every
/// interval (filtered by sock stat's filter language), and the same as one JSON snapshot; on Kestrel over sock's own
/// transport, so the browser's connection to it is one of the sockets it shows. Every request needs the token of the
/// URL it printed (as a query parameter once, then the cookie that sets), else 403.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private const string Cookie = "sock_ui_token";
    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, EndPoint endpoint, string token)
    {
        _app = app;
        EndPoint = endpoint;
        Token = token;
    }

    public EndPoint EndPoint { get; }

    public string Token { get; }

    /// <summary>The URL to open: the address (loopback for a wildcard bind), the port and the token.</summary>
    public string Url => EndPoint switch
    {
        IPEndPoint ip => $"http://{Host(ip.Address)}:{ip.Port}/?token={Token}",
        _ => $"http://localhost/?token={Token}",
    };

    private static string Host(IPAddress address) =>
        address.Equals(IPAddress.Any) ? "127.0.0.1" : address.Equals(IPAddress.IPv6Any) ? "[::1]"
        : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    public static async Task<DashboardHost> StartAsync(EndPoint endpoint, TimeSpan interval, IReadOnlyList<UiResult> results, Sock.Core.Tracing.SocketTrace? trace, CancellationToken ct)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var builder = Sock.AspNetCore.EmptyWebHost.CreateBuilder(new Sock.AspNetCore.SockTransportOptions { Trace = trace });
        ListenOptions? listening = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(endpoint, l => { listening = l; l.Protocols = HttpProtocols.Http1; });
        });
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (!Authorised(context, token))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("403 Forbidden: open the URL sock ui printed (it carries the access token)\n");
                return;
            }
            await next(context);
        });
        app.Run(context => context.Request.Path.Value switch
        {
            "/" => Page(context, token),
            "/events" => EventsAsync(context, interval),
            "/api/sockets" => SnapshotAsync(context),
            "/api/results" => ResultsAsync(context, results),
            _ => NotFound(context),
        });
        await Sock.AspNetCore.EmptyWebHost.StartAsync(app, ct);
        return new DashboardHost(app, listening!.EndPoint, token);
    }

    private static bool Authorised(HttpContext context, string token)
    {
        var given = context.Request.Query["token"].FirstOrDefault() ?? context.Request.Cookies[Cookie];
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(given), Encoding.ASCII.GetBytes(token));
    }

    private static async Task Page(HttpContext context, string token)
    {
        // The cookie lets the page's own requests (the event stream) through without the token in every URL.
        context.Response.Cookies.Append(Cookie, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(UiAssets.Dashboard);
    }

    /// <summary>The results given with --open, as [{"title", "kind", "result"}], each result as its command's --json printed it.</summary>
    private static async Task ResultsAsync(HttpContext context, IReadOnlyList<UiResult> results)
    {
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var r in results)
            {
                json.WriteStartObject();
                json.WriteString("title", r.Title);
                json.WriteString("kind", r.Kind);
                json.WritePropertyName("result");
                json.WriteRawValue(r.Json);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        await context.Response.Body.WriteAsync(buffer.ToArray());
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return context.Response.WriteAsync("404 Not Found\n");
    }

    private static async Task SnapshotAsync(HttpContext context)
    {
        if (!TryFilter(context, out var filter, out var error))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync(error + "\n");
            return;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Snapshot(filter, context));
    }

    /// <summary>The table every interval as an SSE "sockets" event, until the browser goes; a bad filter is one "problem" event.</summary>
    private static async Task EventsAsync(HttpContext context, TimeSpan interval)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-store";
        var ct = context.RequestAborted;
        if (!TryFilter(context, out var filter, out var error))
        {
            await context.Response.WriteAsync($"event: problem\ndata: {error}\n\n", ct);
            return;
        }
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                await context.Response.WriteAsync($"event: sockets\ndata: {Snapshot(filter, context)}\n\n", ct);
                await context.Response.Body.FlushAsync(ct);
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static bool TryFilter(HttpContext context, out SocketFilter filter, out string error)
    {
        error = "";
        try
        {
            filter = SocketFilter.Parse(context.Request.Query["filter"].FirstOrDefault() ?? "");
            return true;
        }
        catch (SockException ex)
        {
            filter = SocketFilter.Parse("");
            error = ex.Message.Replace('\n', ' ');
            return false;
        }
    }

    /// <summary>
    /// TCP and UDP sockets in every state, with their processes, as sock stat --json gives them; which is this browser's;
    /// and the byte counters of every socket that has them (tcp_info, as sock stat -i reads it), for the page's bytes/s.
    /// </summary>
    private static string Snapshot(SocketFilter filter, HttpContext context)
    {
        var options = new Commands.StatOptions(SocketKinds.Tcp | SocketKinds.Udp, Listening: false, All: true, Numeric: true, Processes: true,
            Extended: false, Timers: false, Info: true, Memory: false, Header: false, Json: true, filter);
        var table = Commands.StatTable.Read(options);
        var connection = context.Connection;
        // The rows leave tcp_info out (forty fields a socket, every interval); the page needs only its two byte counters.
        var view = new UiSnapshot(DateTimeOffset.UtcNow, connection.LocalPort, connection.RemotePort,
            [.. table.Rows.Select(r => StatJsonRow.From(r) with { Tcp = null })],
            [.. table.Rows.Where(r => r.Tcp is not null && r.Inode != 0).Select(r => new UiSocketBytes(r.Inode, r.Tcp!.BytesAcked, r.Tcp.BytesReceived))]);
        return JsonSerializer.Serialize(view, SockJsonLines.Default.UiSnapshot);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try { await _app.StopAsync(stop.Token); } catch (OperationCanceledException) { }
        await _app.DisposeAsync();
    }
}
