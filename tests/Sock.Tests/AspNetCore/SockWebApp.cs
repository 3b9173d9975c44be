using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sock.AspNetCore;
using Sock.Core.Serving;
using Sock.Tests.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.AspNetCore;

/// <summary>
/// A minimal ASP.NET Core app on Kestrel over sock's transport, listening on one transport (tcp4, tcp6, unix; with
/// "+dotnet" on .NET's socket engine instead of epoll, with "+kestrel" on Kestrel's own sockets transport, the one to
/// compare with), with the endpoints the tests ask for, and the curl arguments that reach it.
/// </summary>
internal sealed class SockWebApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    /// <summary>Requests /wait has seen; /wait answers once <see cref="WaitFor"/> of them are in at once.</summary>
    private int _waiting;
    private readonly TaskCompletionSource _allWaiting = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SockWebApp(WebApplication app, string transport, EndPoint bound)
    {
        _app = app;
        Transport = transport;
        EndPoint = bound;
    }

    public string Transport { get; }

    /// <summary>The address Kestrel bound (the port picked for port 0).</summary>
    public EndPoint EndPoint { get; }

    public SockConnectionTable Table => _app.Services.GetRequiredService<SockConnectionTable>();

    internal SockTransportFactory Factory => _app.Services.GetRequiredService<SockTransportFactory>();

    /// <summary>Requests /wait holds until this many are in at once.</summary>
    public int WaitFor { get; set; } = int.MaxValue;

    /// <summary>/slow answers once this is set.</summary>
    public TaskCompletionSource SlowGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when /slow's request is aborted (RequestAborted).</summary>
    public TaskCompletionSource SlowAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when /slow has its request.</summary>
    public TaskCompletionSource SlowArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The socket record of the last /record request, as the handler saw it.</summary>
    public Sock.Core.Connections.SocketRecord? LastRecord { get; private set; }

    /// <summary>What /proc/self/fd says the record's handle is, read while the request ran.</summary>
    public string? HandleTarget { get; private set; }

    /// <summary>The connection table as /record's handler saw it.</summary>
    public IReadOnlyList<Sock.Core.Connections.SocketRecord> TableDuringRequest { get; private set; } = [];

    /// <summary>The suffix of a transport name that keeps Kestrel on its default sockets transport.</summary>
    public const string KestrelSuffix = "+kestrel";

    /// <summary>
    /// Starts the app on <paramref name="name"/>'s transport; with <paramref name="certificate"/>, HTTPS with HTTP/1.1 and
    /// HTTP/2 offered by ALPN, as Kestrel's defaults.
    /// </summary>
    public static async Task<SockWebApp> StartAsync(string name, ILoggerProvider? logs = null, LogLevel traceLevel = LogLevel.None,
        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        var kestrelOwn = name.EndsWith(KestrelSuffix, StringComparison.Ordinal);
        if (kestrelOwn) name = name[..^KestrelSuffix.Length];
        var transport = Engines.TransportOf(name);
        var endpoint = Transports.BindEndPoint(transport);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.AddFilter("Sock.Trace", traceLevel);
        }
        if (!kestrelOwn) builder.WebHost.UseSockTransport(o => Engines.OptionsFor(name, o.Server));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions> tls = certificate is null ? _ => { }
                : l =>
                {
                    l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2;
                    l.UseHttps(certificate);
                };
            if (endpoint is UnixDomainSocketEndPoint unix) k.ListenUnixSocket(unix.ToString()!, tls);
            else k.Listen((IPEndPoint)endpoint, tls);
        });
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(20));
        var app = builder.Build();
        SockWebApp? self = null;
        app.UseWebSockets();
        app.MapGet("/", () => "hello from sock\n");
        app.MapGet("/record", (HttpContext c) =>
        {
            var record = c.Features.Get<IConnectionSocketRecordFeature>()!.Record;
            self!.LastRecord = record;
            self.HandleTarget = new FileInfo($"/proc/self/fd/{record.Handle}").LinkTarget;
            self.TableDuringRequest = self.Table.Sockets;
            return string.Create(CultureInfo.InvariantCulture,
                $"{record.Id} {record.Handle} {record.Family} {record.Local} {record.Remote} {record.State} {record.BytesIn}\n");
        });
        app.MapPost("/sha256", async (HttpContext c) =>
        {
            // Streamed: the body is hashed as it arrives, never held whole.
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            long length = 0;
            int n;
            while ((n = await c.Request.Body.ReadAsync(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                length += n;
            }
            return string.Create(CultureInfo.InvariantCulture, $"{length} {Convert.ToHexStringLower(hash.GetHashAndReset())}\n");
        });
        app.MapGet("/wait", async () =>
        {
            if (Interlocked.Increment(ref self!._waiting) >= self.WaitFor) self._allWaiting.TrySetResult();
            await self._allWaiting.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return "all in\n";
        });
        app.MapGet("/slow", async (HttpContext c) =>
        {
            using var aborted = c.RequestAborted.Register(() => self!.SlowAborted.TrySetResult());
            self!.SlowArrived.TrySetResult();
            await self.SlowGate.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return "slow done\n";
        });
        app.Map("/ws", async (HttpContext c) =>
        {
            if (!c.WebSockets.IsWebSocketRequest)
            {
                c.Response.StatusCode = 400;
                return;
            }
            using var ws = await c.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[1 << 20];
            while (true)
            {
                var filled = 0;
                ValueWebSocketReceiveResult r;
                do
                {
                    r = await ws.ReceiveAsync(buffer.AsMemory(filled), CancellationToken.None);
                    filled += r.Count;
                }
                while (!r.EndOfMessage && filled < buffer.Length);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }
                await ws.SendAsync(buffer.AsMemory(0, filled), r.MessageType, true, CancellationToken.None);
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        EndPoint bound = endpoint is UnixDomainSocketEndPoint ? endpoint
            : new IPEndPoint(((IPEndPoint)endpoint).Address, new Uri(address).Port);
        self = new SockWebApp(app, transport, bound);
        return self;
    }

    /// <summary>curl's (and sock http's) arguments for <paramref name="path"/> on this app (with --unix-socket for unix).</summary>
    public string[] Curl(string path, string scheme = "http") => EndPoint switch
    {
        UnixDomainSocketEndPoint unix => ["--unix-socket", unix.ToString()!, $"{scheme}://localhost{path}"],
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip => [$"{scheme}://[{ip.Address}]:{ip.Port}{path}"],
        IPEndPoint ip => [$"{scheme}://{ip.Address}:{ip.Port}{path}"],
        _ => throw new InvalidOperationException(),
    };

    /// <summary>The URL for <paramref name="path"/> (host "localhost" for unix: the socket is reached through <see cref="ConnectAsync"/>).</summary>
    public Uri Url(string path, string scheme = "http") => EndPoint switch
    {
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip => new Uri($"{scheme}://[{ip.Address}]:{ip.Port}{path}"),
        IPEndPoint ip => new Uri($"{scheme}://{ip.Address}:{ip.Port}{path}"),
        _ => new Uri($"{scheme}://localhost{path}"),
    };

    /// <summary>A connected socket to the app, over its transport.</summary>
    public async Task<Socket> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var socket = EndPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(EndPoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Runs curl with <paramref name="args"/> (at most 60 s).</summary>
    public static Task<SockRun> CurlAsync(params string[] args) => ProcessRunner.RunAsync(["curl", "-sS", .. args], timeout: TimeSpan.FromSeconds(60));

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        SlowGate.TrySetResult();
        _allWaiting.TrySetResult();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}

/// <summary>Collects log lines, by category.</summary>
internal sealed class CollectingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CollectingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Lines.Enqueue((category, logLevel, formatter(state, exception)));
    }
}
