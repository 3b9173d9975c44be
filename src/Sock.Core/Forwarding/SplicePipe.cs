using System.Runtime.Versioning;
using Sock.Core.Platform.Linux;
using Sock.Core.Tracing;

namespace Sock.Core.Forwarding;

/// <summary>
/// A kernel pipe one direction of a spliced pair moves its bytes through (socket → pipe → socket). A direction holds
/// one only while bytes are in flight: an idle pair holds none (so 10,000 idle pairs cost no descriptors beyond their
/// sockets), and empty pipes go back to a small pool shared by every relay in the process, as haproxy's pipe pool.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class SplicePipe
{
    /// <summary>The capacity asked for: as much as a copying relay reads ahead per direction (ForwardOptions.MaxInputBuffer).</summary>
    public const int Size = 256 * 1024;

    /// <summary>Empty pipes kept for reuse; beyond this, returned pipes are closed.</summary>
    private const int Pooled = 64;

    private static readonly Stack<SplicePipe> Pool = new();
    private static readonly Lock PoolGate = new();

    private SplicePipe(int readEnd, int writeEnd, int capacity)
    {
        ReadEnd = readEnd;
        WriteEnd = writeEnd;
        Capacity = capacity;
    }

    public int ReadEnd { get; }

    public int WriteEnd { get; }

    /// <summary>How many bytes the pipe takes (what F_SETPIPE_SZ granted).</summary>
    public int Capacity { get; }

    /// <summary>Bytes in the pipe: spliced in, not yet spliced out.</summary>
    public long Held { get; set; }

    /// <summary>An empty pipe from the pool, or a new one; null (and minus errno) when the system has no descriptor left.</summary>
    public static SplicePipe? Rent(SocketTrace? trace, out int error)
    {
        error = 0;
        lock (PoolGate)
            if (Pool.Count > 0) return Pool.Pop();
        var opened = Splice.OpenPipe(out var r, out var w);
        if (opened < 0)
        {
            error = opened;
            trace?.Call($"pipe2(O_NONBLOCK|O_CLOEXEC) = -1 {BsdNames.Errno(Errno.ToSocketError(-opened))}");
            return null;
        }
        // Larger than the 64 KiB default: fewer system calls per byte. A refusal (the per-user pipe quota) keeps the default.
        var capacity = Splice.Resize(w, Size);
        if (capacity < 0) capacity = 64 * 1024;
        trace?.Call($"pipe2([{r}, {w}], O_NONBLOCK|O_CLOEXEC); fcntl({w}, F_SETPIPE_SZ, {Size}) = {capacity}");
        return new SplicePipe(r, w, capacity);
    }

    /// <summary>Gives back an empty pipe for reuse; one still holding bytes (an ended pair's) is closed.</summary>
    public static void Return(SplicePipe pipe)
    {
        if (pipe.Held == 0)
        {
            lock (PoolGate)
            {
                if (Pool.Count < Pooled)
                {
                    Pool.Push(pipe);
                    return;
                }
            }
        }
        Descriptor.Close(pipe.ReadEnd);
        Descriptor.Close(pipe.WriteEnd);
    }
}
