using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Sock.Core.Connections;

namespace Sock.AspNetCore;

/// <summary>
/// One of sock's connections as Kestrel sees it: the connection's pipes as <see cref="Transport"/>, its end of input as
/// <see cref="ConnectionClosed"/>, its abort and close, and its socket record as a feature.
/// </summary>
internal sealed class SockConnectionContext : ConnectionContext,
    IConnectionSocketRecordFeature, IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature,
    IConnectionLifetimeFeature, IConnectionEndPointFeature
{
    private readonly Connection _connection;
    private readonly CancellationTokenSource _closed = new();
    private readonly CancellationTokenRegistration _inputEnded;
    private IDictionary<object, object?>? _items;
    private int _disposed;

    public SockConnectionContext(Connection connection)
    {
        _connection = connection;
        Transport = connection.Transport;
        LocalEndPoint = connection.LocalEndPoint;
        RemoteEndPoint = connection.RemoteEndPoint;
        ConnectionId = "sock-" + connection.Id.ToString(CultureInfo.InvariantCulture);
        ConnectionClosed = _closed.Token;
        // Kestrel's ConnectionClosed is the end of input (the peer's FIN, a reset, an abort). Its callbacks reach the
        // application (RequestAborted), so they run on the thread pool, not on the engine's thread that saw the end.
        _inputEnded = connection.InputEnded.UnsafeRegister(static s => ThreadPool.UnsafeQueueUserWorkItem(
            static c => c.FireClosed(), (SockConnectionContext)s!, preferLocal: false), this);
        Features = new FeatureCollection(7);
        Features.Set<IConnectionSocketRecordFeature>(this);
        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<IConnectionEndPointFeature>(this);
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; }

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public SocketRecord Record => _connection.Record;

    /// <summary>Closes the socket now (shutdown both ways, then close), as Kestrel's own transport aborts.</summary>
    public override void Abort(ConnectionAbortedException abortReason) =>
        // Kestrel passes null after the client's end of input (unless FinOnError): the peer is gone, nothing is wrong.
        _connection.Abort(abortReason is null ? "closed by peer" : string.IsNullOrEmpty(abortReason.Message) ? "aborted by the application" : abortReason.Message);

    /// <summary>Kestrel is done with the connection: what it wrote is sent, then the socket closes.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _connection.DisposeAsync().ConfigureAwait(false);
        await _inputEnded.DisposeAsync().ConfigureAwait(false);
        FireClosed();
        _closed.Dispose();
    }

    private void FireClosed()
    {
        // Kestrel's callbacks run here; one that throws must not take the thread pool (and the process) down.
        try { _closed.Cancel(); } catch (ObjectDisposedException) { } catch (AggregateException) { }
    }
}
