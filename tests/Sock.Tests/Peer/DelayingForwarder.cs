using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Sock.Tests.Peer;

/// <summary>
/// A UDP forwarder on loopback between two sockets, A and B, that holds every datagram for a fixed delay each way (in
/// order: one queue, one sender) and may drop chosen ones: a path with a round trip of twice the delay, for tests of
/// the reliable stream's timing logic without netem. <see cref="Inspect"/> sees each datagram (with its direction and
/// the forwarder's clock) and says whether to drop it.
/// </summary>
internal sealed class DelayingForwarder : IAsyncDisposable
{
    private readonly Socket _middle;
    private readonly TimeSpan _delay;
    private readonly Channel<(long Due, byte[] Data, bool ToB)> _queue = Channel.CreateUnbounded<(long, byte[], bool)>();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(120));
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Task? _receiving, _sending;
    private IPEndPoint? _a, _b;

    public DelayingForwarder(IPAddress ip, TimeSpan delay)
    {
        _middle = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _middle.Bind(new IPEndPoint(ip, 0));
        // A window in flight is held here, not in the kernel: the buffer only has to absorb this task's wake-up delays.
        _middle.ReceiveBufferSize = 4 * 1024 * 1024;
        _delay = delay;
    }

    public EndPoint LocalEndPoint => _middle.LocalEndPoint!;

    /// <summary>Called for every datagram as it arrives (A to B when the flag is set), with the forwarder's clock; true drops it.</summary>
    public Func<byte[], bool, TimeSpan, bool> Inspect { get; init; } = (_, _, _) => false;

    public void Start(IPEndPoint a, IPEndPoint b)
    {
        _a = a;
        _b = b;
        _receiving = Task.Run(ReceiveAsync);
        _sending = Task.Run(SendAsync);
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[65536];
        var any = new IPEndPoint(_middle.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        try
        {
            while (true)
            {
                var r = await _middle.ReceiveFromAsync(buffer, any, _stop.Token);
                var toB = ((IPEndPoint)r.RemoteEndPoint).Port == _a!.Port;
                var data = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
                if (Inspect(data, toB, _clock.Elapsed)) continue;
                await _queue.Writer.WriteAsync((_clock.ElapsedTicks + (long)(_delay.TotalSeconds * Stopwatch.Frequency), data, toB), _stop.Token);
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task SendAsync()
    {
        try
        {
            await foreach (var (due, data, toB) in _queue.Reader.ReadAllAsync(_stop.Token))
            {
                var wait = due - _clock.ElapsedTicks;
                if (wait > 0) await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), _stop.Token);
                await _middle.SendToAsync(data, toB ? _b! : _a!, _stop.Token);
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_receiving is not null) await _receiving;
        if (_sending is not null) await _sending;
        _middle.Dispose();
        _stop.Dispose();
    }
}
