using System.Net;
using System.Net.Sockets;

namespace Sock.Tests.Benchmarking;

/// <summary>
/// Servers written in the test, so the benchmark can be checked against peers whose behaviour is known exactly: an
/// echo server (optionally slow, stalling once, or corrupting one byte), a discard sink that counts, and a UDP echo
/// server that drops every Nth datagram. Each counts the bytes it received. Dispose stops it.
/// </summary>
public sealed class BenchPeer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly Task _loop;
    private long _bytes;
    private long _datagrams;
    private long _controlBytes;

    private BenchPeer(Socket listener, Func<Socket, CancellationToken, Task> serve, bool datagram)
    {
        _listener = listener;
        EndPoint = listener.LocalEndPoint!;
        _loop = datagram ? Task.Run(() => serve(listener, _stop.Token)) : Task.Run(() => AcceptLoop(serve));
    }

    public EndPoint EndPoint { get; }

    /// <summary>Bytes the peer received.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytes);

    /// <summary>Datagrams the peer received (UDP).</summary>
    public long Datagrams => Interlocked.Read(ref _datagrams);

    /// <summary>An echo server; <paramref name="delay"/> before each reply, one <paramref name="stall"/> after <paramref name="stallAfterBytes"/>,
    /// and the byte at stream offset <paramref name="corruptAt"/> flipped.</summary>
    public static BenchPeer Echo(string transport, TimeSpan? delay = null, long corruptAt = -1, long stallAfterBytes = -1, TimeSpan? stall = null)
    {
        BenchPeer? self = null;
        self = Stream(transport, async (s, ct) =>
        {
            var buffer = new byte[64 * 1024];
            long offset = 0;
            var stalled = false;
            while (true)
            {
                var n = await s.ReceiveAsync(buffer, SocketFlags.None, ct);
                if (n == 0) break;
                Interlocked.Add(ref self!._bytes, n);
                if (corruptAt >= offset && corruptAt < offset + n) buffer[corruptAt - offset] ^= 0xFF;
                offset += n;
                if (delay is { } d)
                {
                    // Timers may fire a little early; the reply goes no sooner than the delay, by the clock.
                    var from = System.Diagnostics.Stopwatch.GetTimestamp();
                    await Task.Delay(d, ct);
                    while (System.Diagnostics.Stopwatch.GetElapsedTime(from) < d) await Task.Delay(1, ct);
                }
                if (!stalled && stallAfterBytes >= 0 && offset > stallAfterBytes)
                {
                    stalled = true;
                    var pause = stall ?? TimeSpan.FromMilliseconds(200);
                    var from = System.Diagnostics.Stopwatch.GetTimestamp();
                    await Task.Delay(pause, ct);
                    while (System.Diagnostics.Stopwatch.GetElapsedTime(from) < pause) await Task.Delay(1, ct);
                }
                var sent = 0;
                while (sent < n) sent += await s.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None, ct);
            }
        });
        return self;
    }

    /// <summary>
    /// A discard sink that counts what it received. Bytes of a connection that begins with sock bench's control
    /// greeting ("SOCKBENCH/1", which a plain sink swallows like anything else) are counted apart, in <see cref="ControlBytes"/>.
    /// </summary>
    public static BenchPeer Discard(string transport)
    {
        BenchPeer? self = null;
        self = Stream(transport, async (s, ct) =>
        {
            var buffer = new byte[256 * 1024];
            int n;
            long mine = 0;
            var first = new List<byte>();
            while ((n = await s.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
            {
                mine += n;
                if (first.Count < 11) first.AddRange(buffer.Take(Math.Min(n, 11 - first.Count)));
            }
            var control = System.Text.Encoding.ASCII.GetString(first.ToArray()) == "SOCKBENCH/1";
            Interlocked.Add(ref control ? ref self!._controlBytes : ref self!._bytes, mine);
        });
        return self;
    }

    /// <summary>Bytes a discard sink received on control connections.</summary>
    public long ControlBytes => Interlocked.Read(ref _controlBytes);

    /// <summary>A listener that accepts and closes (for connect mode).</summary>
    public static BenchPeer AcceptAndClose(string transport) => Stream(transport, (_, _) => Task.CompletedTask);

    /// <summary>A UDP echo server that drops every <paramref name="dropEvery"/>th datagram it receives (0: none).</summary>
    public static BenchPeer UdpEcho(string transport, int dropEvery)
    {
        var ep = Sock.Tests.Support.Transports.BindEndPoint(transport);
        var socket = new Socket(ep.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.ReceiveBufferSize = 4 << 20;
        socket.Bind(ep);
        BenchPeer? self = null;
        self = new BenchPeer(socket, async (s, ct) =>
        {
            var buffer = new byte[65536];
            EndPoint any = ep.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
            try
            {
                while (true)
                {
                    var r = await s.ReceiveFromAsync(buffer, SocketFlags.None, any, ct);
                    var i = Interlocked.Increment(ref self!._datagrams);
                    Interlocked.Add(ref self._bytes, r.ReceivedBytes);
                    if (dropEvery > 0 && i % dropEvery == 0) continue;
                    await s.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), SocketFlags.None, r.RemoteEndPoint, ct);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, datagram: true);
        return self;
    }

    private static BenchPeer Stream(string transport, Func<Socket, CancellationToken, Task> serve)
    {
        var ep = Sock.Tests.Support.Transports.BindEndPoint(transport);
        var listener = new Socket(ep.AddressFamily, SocketType.Stream, ep is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        listener.Bind(ep);
        listener.Listen(512);
        return new BenchPeer(listener, serve, datagram: false);
    }

    private async Task AcceptLoop(Func<Socket, CancellationToken, Task> serve)
    {
        var ct = _stop.Token;
        try
        {
            while (true)
            {
                var s = await _listener.AcceptAsync(ct);
                lock (_accepted) _accepted.Add(s);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await serve(s, ct);
                    }
                    catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
                    {
                    }
                    finally
                    {
                        s.Dispose();
                    }
                });
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        lock (_accepted) foreach (var s in _accepted) s.Dispose();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        if (EndPoint is UnixDomainSocketEndPoint u && Path.GetDirectoryName(u.ToString()) is { } dir)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
