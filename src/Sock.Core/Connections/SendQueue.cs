using System.Collections.Concurrent;
using System.IO.Pipelines;

namespace Sock.Core.Connections;

/// <summary>
/// Where a connection's sends run when its handler runs on the thread pool (<see cref="ConnectionOptions.HandlerOnThreadPool"/>,
/// Kestrel's case): the output pipe's reader continuations, queued here and run in order by one thread-pool work item at
/// a time, as Kestrel's own transport does with its IOQueue.
/// <para>
/// Why not inline, as the engine sends otherwise: a response that is flushed twice (a chunked body's data, then its last
/// chunk; headers, then a body) would be two send calls, one per flush. Queued, the send runs after the handler has
/// written both, and goes out as one: a JSON response over Kestrel measured 2.0 sends per request inline, 1.0 here.
/// </para>
/// </summary>
internal sealed class SendQueue : PipeScheduler, IThreadPoolWorkItem
{
    private readonly ConcurrentQueue<(Action<object?> Action, object? State)> _work = new();
    private int _queued;

    // One queue per processor (at most 16, as Kestrel's), connections spread over them by id.
    private static readonly SendQueue[] Shared = [.. Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount, 1, 16)).Select(_ => new SendQueue())];

    /// <summary>The queue for the connection numbered <paramref name="id"/>.</summary>
    public static SendQueue For(long id) => Shared[(int)((ulong)id % (ulong)Shared.Length)];

    public override void Schedule(Action<object?> action, object? state)
    {
        _work.Enqueue((action, state));
        if (Interlocked.CompareExchange(ref _queued, 1, 0) == 0)
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        while (true)
        {
            while (_work.TryDequeue(out var item)) item.Action(item.State);
            Volatile.Write(ref _queued, 0);
            // Work queued between the last dequeue and the reset would otherwise wait for the next Schedule.
            if (_work.IsEmpty || Interlocked.CompareExchange(ref _queued, 1, 0) != 0) return;
        }
    }
}
