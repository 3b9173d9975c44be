using System.Net.Sockets;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Benchmarking;

/// <summary>One mode's work: set up (connect, shake hands), run until the run says stop, then collect the far side's figures.</summary>
internal abstract class BenchWorkload : IAsyncDisposable
{
    /// <summary>Who the far side is, for the setup statement.</summary>
    public virtual string Peer => "echo server";

    /// <summary>Messages in flight per connection, for the setup statement.</summary>
    public virtual int InFlight => 1;

    /// <summary>Whether the run records latency.</summary>
    public virtual bool MeasuresLatency => true;

    /// <summary>Bytes the far side reported (received, or sent with --reverse).</summary>
    public long? PeerBytes { get; protected set; }

    /// <summary>The far side's bytes per interval, from the start of measuring.</summary>
    public IReadOnlyList<long>? PeerIntervalBytes { get; protected set; }

    /// <summary>UDP delivery figures.</summary>
    public UdpSummary? Udp { get; protected set; }

    /// <summary>HTTP figures: responses by status, failures by kind.</summary>
    public HttpBenchSummary? Http { get; protected set; }

    public abstract Task SetupAsync(BenchOptions options, SocketTrace? trace, CancellationToken cancellationToken);

    public abstract Task RunAsync(BenchRun run);

    public virtual Task FinishAsync(BenchRun run, CancellationToken cancellationToken) => Task.CompletedTask;

    public abstract ValueTask DisposeAsync();

    /// <summary>Sends all of <paramref name="data"/>.</summary>
    protected static async ValueTask SendAllAsync(TracedSocket socket, ReadOnlyMemory<byte> data)
    {
        while (data.Length > 0)
        {
            var n = await socket.Socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
            Traced(socket, "send", n);
            data = data[n..];
        }
    }

    /// <summary>Fills <paramref name="buffer"/>; false when the peer closed first.</summary>
    protected static async ValueTask<bool> ReceiveExactlyAsync(TracedSocket socket, Memory<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = await socket.Socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
            Traced(socket, "recv", n);
            if (n == 0) return false;
            buffer = buffer[n..];
        }
        return true;
    }

    /// <summary>
    /// The hot loops call the socket directly; with --trace on, each transfer is still reported (summed after the
    /// first few, as <see cref="SocketTrace"/> does). Off, this is one null check.
    /// </summary>
    internal static void Traced(TracedSocket socket, string call, int bytes)
    {
        // The lambda lives in another method: one that captures parameters allocates its closure on entry, before
        // any check, which would cost an allocation per send and receive with tracing off.
        if (socket.Trace is { } trace) Transfer(trace, socket.Handle, call, bytes);
    }

    private static void Transfer(SocketTrace trace, long handle, string call, int bytes) =>
        trace.Transfer(handle, call, bytes, () => call == "recv"
            ? (bytes == 0 ? $"recv({handle}) = 0 (peer closed its side)" : $"recv({handle}) = {bytes} bytes")
            : $"send({handle}) = {bytes}");
}
