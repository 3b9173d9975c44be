using System.Diagnostics;
using System.Runtime.Versioning;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Connections;

/// <summary>A socket an <see cref="EpollReactor"/> watches: told of every readiness edge, on the reactor's thread.</summary>
internal interface IEpollSocket
{
    /// <summary>The events epoll reported (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP…).</summary>
    void OnEvents(uint events);
}

/// <summary>
/// The server's own I/O threads on Linux: each waits on an edge-triggered epoll set and runs what became ready right
/// there — the receive, the handler and the send of a message happen on one thread with no hand-off, as in a C epoll
/// server. .NET's socket engine instead hands every completion from its epoll thread to the thread pool, which with
/// many connections on few cores costs more than the work itself (see bench/RESULTS.md, serve). Connections are spread
/// over the threads round-robin; each stays on its thread.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class EpollReactor : IDisposable
{
    private const int MaxEvents = 256;
    private const ulong WakeKey = ulong.MaxValue;
    private readonly Loop[] _loops;
    private int _next;

    public EpollReactor(int threads, TimeSpan spin)
    {
        _loops = new Loop[Math.Max(1, threads)];
        var spinTicks = (long)(spin.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0; i < _loops.Length; i++) _loops[i] = new Loop(i, spinTicks);
    }

    /// <summary>True where the reactor can run (Linux on x86-64 or arm64).</summary>
    [SupportedOSPlatformGuard("linux")]
    public static bool Supported => Epoll.Supported && SocketCalls.Supported;

    /// <summary>
    /// Watches <paramref name="fd"/> for input edges (and output edges with <paramref name="output"/>: a connect in
    /// progress, whose completion is an output edge); returns the registration, or null when epoll refuses it.
    /// </summary>
    public Registration? Register(nint fd, IEpollSocket socket, bool output = false, bool edgeTriggered = true)
    {
        var loop = _loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)_loops.Length)];
        var key = loop.Add(socket);
        // Output edges are asked for only once a send has found the socket full (WatchOutput): otherwise every ACK
        // that frees send space would wake the loop for nothing.
        var events = Epoll.In | Epoll.RdHup | (edgeTriggered ? Epoll.EdgeTriggered : 0u) | (output ? Epoll.Out : 0u);
        if (Epoll.Control(loop.EpollFd, Epoll.CtlAdd, (int)fd, events, key) != 0)
        {
            loop.Remove(key);
            return null;
        }
        return new Registration(loop, key);
    }

    public void Dispose()
    {
        foreach (var loop in _loops) loop.Stop();
    }

    /// <summary>One socket's place in a loop; <see cref="Remove"/> before the descriptor is closed.</summary>
    public sealed class Registration(Loop loop, ulong key)
    {
        /// <summary>Stops delivering events (an event already taken from epoll finds nobody).</summary>
        public void Remove() => loop.Remove(key);

        /// <summary>
        /// Takes <paramref name="fd"/> out of the epoll set (EPOLL_CTL_DEL) and stops delivering its events: for a
        /// level-triggered socket that stays open, which would otherwise be reported to nobody at every wait.
        /// </summary>
        public void Unwatch(nint fd)
        {
            Epoll.Control(loop.EpollFd, Epoll.CtlDel, (int)fd, 0, key);
            loop.Remove(key);
        }

        /// <summary>
        /// Delivers this socket's events to <paramref name="socket"/> from now on: the socket changes hands (a connect
        /// made on the reactor, then the relay of its bytes) without leaving the epoll set and coming back. Call it on the
        /// loop's own thread, or while no event can come.
        /// </summary>
        public void Retarget(IEpollSocket socket) => loop.Replace(key, socket);

        /// <summary>
        /// Asks for output edges too, from now on. Re-arming reports the socket's state as it is, so an edge for room
        /// that appeared before this call is not lost.
        /// </summary>
        public void WatchOutput(nint fd) =>
            Epoll.Control(loop.EpollFd, Epoll.CtlMod, (int)fd, Epoll.In | Epoll.Out | Epoll.RdHup | Epoll.EdgeTriggered, key);

        /// <summary>Stops the output edges <see cref="WatchOutput"/> asked for.</summary>
        public void WatchInputOnly(nint fd) =>
            Epoll.Control(loop.EpollFd, Epoll.CtlMod, (int)fd, Epoll.In | Epoll.RdHup | Epoll.EdgeTriggered, key);
    }

    /// <summary>One thread and its epoll set.</summary>
    public sealed class Loop
    {
        private readonly int _wakeFd;
        private readonly Thread _thread;
        private readonly long _spinTicks;
        private volatile bool _stopping;

        public Loop(int index, long spinTicks)
        {
            _spinTicks = spinTicks;
            EpollFd = Epoll.Create();
            _wakeFd = EventFd.Create();
            if (EpollFd < 0 || _wakeFd < 0) throw new InvalidOperationException("epoll_create1 or eventfd failed");
            Epoll.Control(EpollFd, Epoll.CtlAdd, _wakeFd, Epoll.In, WakeKey);
            _thread = new Thread(Run) { IsBackground = true, Name = $"sock epoll {index}" };
            _thread.Start();
        }

        public int EpollFd { get; }

        // The sockets by slot, in chunks that never move (so the loop thread reads them without a lock); an event's key
        // is the slot and its generation, so an event for a socket already removed finds a newer generation, or nobody.
        private const int ChunkBits = 10, ChunkSize = 1 << ChunkBits;
        private readonly Slot[]?[] _chunks = new Slot[]?[1 << 12];
        private readonly Stack<int> _free = new();
        private readonly Lock _gate = new();
        private int _used;

        private struct Slot
        {
            public IEpollSocket? Socket;
            public uint Generation;
        }

        public ulong Add(IEpollSocket socket)
        {
            lock (_gate)
            {
                var index = _free.Count > 0 ? _free.Pop() : _used++;
                if (index >> ChunkBits >= _chunks.Length) throw new InvalidOperationException("too many sockets on one epoll thread");
                var chunk = _chunks[index >> ChunkBits] ??= new Slot[ChunkSize];
                ref var slot = ref chunk[index & (ChunkSize - 1)];
                slot.Generation++;
                slot.Socket = socket;
                return ((ulong)slot.Generation << 32) | (uint)index;
            }
        }

        public void Replace(ulong key, IEpollSocket socket)
        {
            var index = (int)(uint)key;
            lock (_gate)
            {
                ref var slot = ref _chunks[index >> ChunkBits]![index & (ChunkSize - 1)];
                if (slot.Generation == (uint)(key >> 32) && slot.Socket is not null) slot.Socket = socket;
            }
        }

        public void Remove(ulong key)
        {
            var index = (int)(uint)key;
            lock (_gate)
            {
                ref var slot = ref _chunks[index >> ChunkBits]![index & (ChunkSize - 1)];
                if (slot.Generation != (uint)(key >> 32) || slot.Socket is null) return;
                slot.Socket = null;
                _free.Push(index);
            }
        }

        private IEpollSocket? Find(ulong key)
        {
            var index = (int)(uint)key;
            ref var slot = ref _chunks[index >> ChunkBits]![index & (ChunkSize - 1)];
            return slot.Generation == (uint)(key >> 32) ? slot.Socket : null;
        }

        public void Stop()
        {
            _stopping = true;
            EventFd.Signal(_wakeFd);
            if (Thread.CurrentThread != _thread) _thread.Join();
        }

        private void Run()
        {
            using var events = new EpollEvents(MaxEvents);
            var spinUntil = 0L;
            while (!_stopping)
            {
                // After work, poll without sleeping for a moment before blocking: a peer that answers within it is
                // served without the wake-up latency of a sleeping thread (tens of microseconds on a virtual machine,
                // where an idle CPU halts) — what the thread pool's spinning workers give .NET's socket engine.
                var spinning = spinUntil != 0;
                var n = Epoll.Wait(EpollFd, events, spinning ? 0 : -1);
                if (n > 0 && _spinTicks > 0) spinUntil = Stopwatch.GetTimestamp() + _spinTicks;
                else if (spinning)
                {
                    if (Stopwatch.GetTimestamp() >= spinUntil) spinUntil = 0;
                    else Thread.SpinWait(20);
                    continue;
                }
                for (var i = 0; i < n; i++)
                {
                    var key = events.DataAt(i);
                    if (key == WakeKey)
                    {
                        EventFd.Drain(_wakeFd);
                        continue;
                    }
                    Find(key)?.OnEvents(events.EventsAt(i));
                }
            }
            Descriptor.Close(_wakeFd);
            Descriptor.Close(EpollFd);
        }
    }
}
