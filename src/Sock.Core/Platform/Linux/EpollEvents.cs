using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>
/// A buffer epoll_wait fills, in the kernel's layout for the running process (<see cref="Epoll.Layout"/>), read one event
/// at a time. Native memory, so the kernel writes to an address that never moves; one per waiting thread.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class EpollEvents : IDisposable
{
    // Read per event in the hot loops; static readonly, so the JIT takes them as constants once tiered up.
    private static readonly int Size = Epoll.Layout?.Size ?? 16;
    private static readonly int DataOffset = Epoll.Layout?.DataOffset ?? 8;
    private byte* _events;

    public EpollEvents(int capacity)
    {
        if (!Epoll.Supported) throw new PlatformNotSupportedException("epoll_event's layout is not known on this architecture");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _events = (byte*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)Size);
    }

    /// <summary>How many events one wait can return.</summary>
    public int Capacity { get; }

    internal byte* Pointer => _events != null ? _events : throw new ObjectDisposedException(nameof(EpollEvents));

    /// <summary>The events epoll reported for the <paramref name="index"/>th ready descriptor (EPOLLIN, EPOLLOUT…).</summary>
    public uint EventsAt(int index) => Unsafe.ReadUnaligned<uint>(_events + (nint)index * Size);

    /// <summary>The data given with the descriptor when it was added (its key).</summary>
    public ulong DataAt(int index) => Unsafe.ReadUnaligned<ulong>(_events + (nint)index * Size + DataOffset);

    /// <summary>Writes one event, in the running process's layout, at <paramref name="index"/> of <paramref name="events"/>.</summary>
    internal static void Write(byte* events, int index, uint mask, ulong data)
    {
        var at = events + (nint)index * Size;
        Unsafe.WriteUnaligned(at, mask);
        Unsafe.WriteUnaligned(at + DataOffset, data);
    }

    public void Dispose()
    {
        NativeMemory.Free(_events);
        _events = null;
        GC.SuppressFinalize(this);
    }

    ~EpollEvents() => NativeMemory.Free(_events);
}
