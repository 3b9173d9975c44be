using System.Net.Sockets;
using Sock.Core.Tracing;

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

    public abstract Task SetupAsync(BenchOptions options, SocketTrace? trace, CancellationToken cancellationToken);

    public abstract Task RunAsync(BenchRun run);

    public virtual Task FinishAsync(BenchRun run, CancellationToken cancellationToken) => Task.CompletedTask;

    public abstract ValueTask DisposeAsync();

    /// <summary>Sends all of <paramref name="data"/>.</summary>
    protected static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        while (data.Length > 0)
        {
            var n = await socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
            data = data[n..];
        }
    }

    /// <summary>Fills <paramref name="buffer"/>; false when the peer closed first.</summary>
    protected static async ValueTask<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
            if (n == 0) return false;
            buffer = buffer[n..];
        }
        return true;
    }
}
