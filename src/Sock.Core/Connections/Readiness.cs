using System.Threading.Tasks.Sources;

namespace Sock.Core.Connections;

/// <summary>
/// "The socket may be ready" from an edge-triggered epoll, as something one loop can await without allocating. An edge
/// that arrives while nobody waits is kept, so the next wait returns at once: the loop then tries the call and finds out
/// (EAGAIN means the edge was already used up). The waiter's continuation runs on the epoll thread that signals, with no
/// thread hop — that is the point of the transport.
/// </summary>
internal sealed class Readiness : IValueTaskSource
{
    private const int Idle = 0, Ready = 1, Waiting = 2;
    private ManualResetValueTaskSourceCore<bool> _core; // continuations inline: RunContinuationsAsynchronously is false
    private int _state;

    /// <summary>Completes when the socket has signalled since the last wait returned (at once if it already has).</summary>
    public ValueTask WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Ready) == Ready) return default;
        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) == Idle) return new ValueTask(this, _core.Version);
        // Signalled between the two steps.
        Volatile.Write(ref _state, Idle);
        return default;
    }

    /// <summary>Records an edge, resuming the waiter if there is one (on this thread).</summary>
    public void Set()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Ready:
                    return;
                case Idle:
                    if (Interlocked.CompareExchange(ref _state, Ready, Idle) == Idle) return;
                    break;
                default:
                    if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
                    {
                        _core.SetResult(true);
                        return;
                    }
                    break;
            }
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
