using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sock.Core.Errors;

namespace Sock.AspNetCore;

/// <summary>
/// A static file server (what <c>python3 -m http.server</c> is used for) on Kestrel over sock's transport: files with
/// their content types, ranges, ETags and conditional requests, HEAD, index.html, directory listings, and nothing from
/// outside the root. Built on an empty host: it reads no configuration files and no environment variables, and logs
/// nothing but through <see cref="StaticFileHostOptions.OnRequest"/>.
/// </summary>
public sealed class StaticFileHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConfinedFileProvider _files;

    private StaticFileHost(WebApplication app, ConfinedFileProvider files, IReadOnlyList<EndPoint> endPoints, bool tls)
    {
        _app = app;
        _files = files;
        EndPoints = endPoints;
        Urls = [.. endPoints.Select(e => Url(e, tls))];
        Connections = app.Services.GetRequiredService<SockConnectionTable>();
    }

    /// <summary>The endpoints it listens on, with the ports the system gave, in the order of <see cref="StaticFileHostOptions.EndPoints"/>.</summary>
    public IReadOnlyList<EndPoint> EndPoints { get; }

    /// <summary>The same as URLs a browser or curl takes (http://127.0.0.1:8000/, https://[::1]:8443/, http://localhost/ over a Unix socket, which curl reaches with --unix-socket).</summary>
    public IReadOnlyList<string> Urls { get; }

    /// <summary>The directory served, every link in its path resolved.</summary>
    public string Root => _files.Root;

    /// <summary>The live socket table: the listening sockets and every connection, with their records.</summary>
    public SockConnectionTable Connections { get; }

    /// <summary>Binds every endpoint and starts serving; a bind failure is a <see cref="SockException"/> (address in use, permission).</summary>
    public static async Task<StaticFileHost> StartAsync(StaticFileHostOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(options.Root))
            throw new SockException(SockErrorKind.Usage, "serve", options.Root, File.Exists(options.Root) ? "not a directory" : "no such directory");
        if (options.EndPoints.Count == 0) throw new ArgumentException("no endpoint to listen on", nameof(options));

        var files = new ConfinedFileProvider(options.Root);
        var builder = EmptyWebHost.CreateBuilder(options.Transport, files.Root);
        var listening = new List<ListenOptions>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var endpoint in options.EndPoints)
            {
                kestrel.Listen(endpoint, listen =>
                {
                    listening.Add(listen);
                    if (options.Certificate is { } certificate)
                    {
                        listen.Protocols = HttpProtocols.Http1AndHttp2;
                        listen.UseHttps(certificate);
                    }
                    else listen.Protocols = HttpProtocols.Http1;
                });
            }
        });
        var app = builder.Build();
        if (options.OnRequest is { } onRequest) app.Use(AccessLog(onRequest));
        app.UseFileServer(new FileServerOptions
        {
            FileProvider = files,
            EnableDirectoryBrowsing = options.ListDirectories,
            StaticFileOptions =
            {
                // Any file is served: unknown types as bytes, as python's http.server and nginx do.
                ServeUnknownFileTypes = true,
                DefaultContentType = "application/octet-stream",
                ContentTypeProvider = new FileExtensionContentTypeProvider(),
            },
        });
        // What the file middleware did not answer: a file server has nothing to POST to (405, as nginx), and the rest is not there.
        app.Run(context =>
        {
            var read = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
            context.Response.StatusCode = read ? StatusCodes.Status404NotFound : StatusCodes.Status405MethodNotAllowed;
            if (!read) context.Response.Headers.Allow = "GET, HEAD";
            context.Response.ContentType = "text/plain; charset=utf-8";
            return read ? context.Response.WriteAsync("404 Not Found\n") : context.Response.WriteAsync("405 Method Not Allowed\n");
        });
        try
        {
            await EmptyWebHost.StartAsync(app, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            files.Dispose();
            throw;
        }
        // Kestrel puts the endpoint the transport bound (the port the system gave for 0) back on its listen options.
        return new StaticFileHost(app, files, [.. listening.Select(l => l.EndPoint)], options.Certificate is not null);
    }

    private static string Url(EndPoint endpoint, bool tls) => (tls ? "https://" : "http://") + endpoint switch
    {
        IPEndPoint { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ip => $"[{ip.Address}]:{ip.Port}/",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}/",
        _ => "localhost/",
    };

    /// <summary>
    /// Stops accepting, lets the requests in progress finish within <paramref name="drain"/>, then closes every
    /// connection; returns how many were still open at the deadline (0 when every one finished in time).
    /// </summary>
    public async Task<int> StopAsync(TimeSpan drain)
    {
        var forced = 0;
        using var timeout = new CancellationTokenSource(drain);
        using (timeout.Token.Register(() => forced = Connections.ActiveConnections))
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        return forced;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync().ConfigureAwait(false);
        _files.Dispose();
    }

    private static Func<HttpContext, RequestDelegate, Task> AccessLog(Action<HttpAccessRecord> onRequest) => async (context, next) =>
    {
        var time = DateTimeOffset.Now;
        var start = Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var request = context.Request;
            var connection = context.Connection;
            // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; the log says the address they have on the wire.
            var remote = connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, connection.RemotePort) : null;
            var target = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? request.Path + request.QueryString;
            // The body's length as the response declared it (a file, a range); HEAD sends none, a listing is chunked.
            long? bytes = HttpMethods.IsHead(request.Method) ? 0 : context.Response.ContentLength;
            onRequest(new HttpAccessRecord(time, remote, request.Method, target, request.Protocol, context.Response.StatusCode, bytes,
                Stopwatch.GetElapsedTime(start), connection.Id));
        }
    };
}
