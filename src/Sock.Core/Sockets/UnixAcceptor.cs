using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Sock.Core.Sockets;

/// <summary>
/// accept(2) for a Unix stream listener on Linux, with an address buffer the size of sockaddr_un. .NET sizes accept's
/// address buffer by the listener's own address, so a client bound to a longer path (or to an abstract name) makes the
/// completion throw "Destination is too short" on one of its I/O threads, and that aborts the whole process. Here the
/// listener waits for a connection in poll(2) on a thread of its own (woken by an eventfd when it is closed or the wait
/// is cancelled), and accept4 takes the connection with room for any address.
/// </summary>
internal sealed partial class UnixAcceptor : IDisposable
{
    private const int SockCloexec = 0x80000;
    private const int EfdCloexec = 0x80000;
    private const short PollIn = 0x001;
    private const int FGetFl = 3;
    private const int FSetFl = 4;
    private const int ONonblock = 0x800;
    private const int EAGAIN = 11;
    private const int EINTR = 4;
    private const int ECONNABORTED = 103;
    private const int SockaddrUnSize = 110; // sa_family_t + sun_path[108]

    private readonly Socket _listener;
    private readonly Lock _gate = new();
    private int _wake = -1;
    private bool _waiting;
    private bool _closed;

    public UnixAcceptor(Socket listener) => _listener = listener;

    /// <summary>Where this acceptor works: Linux, where accept4, poll and eventfd are the kernel's calls.</summary>
    public static bool Supported => OperatingSystem.IsLinux();

    /// <summary>The next connection; a socket closed meanwhile ends the wait with <see cref="SocketError.OperationAborted"/>.</summary>
    public async ValueTask<Socket> AcceptAsync(CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (TryAccept() is { } accepted) return accepted;
            using (ct.Register(static s => ((UnixAcceptor)s!).Wake(), this))
                await Task.Factory.StartNew(static s => ((UnixAcceptor)s!).WaitReadable(), this, CancellationToken.None,
                    TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>Takes a waiting connection, or null when none is waiting yet.</summary>
    private unsafe Socket? TryAccept()
    {
        var added = false;
        var handle = _listener.SafeHandle;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            // The listener is never given to .NET's own async accept, so it may still be in blocking mode.
            var flags = Fcntl(fd, FGetFl, 0);
            if (flags >= 0 && (flags & ONonblock) == 0) Fcntl(fd, FSetFl, flags | ONonblock);
            var address = stackalloc byte[SockaddrUnSize];
            while (true)
            {
                var length = SockaddrUnSize;
                var client = Accept4(fd, address, &length, SockCloexec);
                if (client >= 0) return new Socket(new SafeSocketHandle(client, ownsHandle: true));
                var errno = Marshal.GetLastPInvokeError();
                if (errno is EINTR or ECONNABORTED) continue; // a client that left before it was taken: take the next
                if (errno == EAGAIN) return null;
                throw new SocketException(errno switch { 24 or 23 => (int)SocketError.TooManyOpenSockets, 105 or 12 => (int)SocketError.NoBufferSpaceAvailable, _ => (int)SocketError.SocketError });
            }
        }
        catch (ObjectDisposedException)
        {
            throw new SocketException((int)SocketError.OperationAborted);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>Blocks this (dedicated) thread until a connection waits, the listener is closed, or the wait is cancelled.</summary>
    private unsafe void WaitReadable()
    {
        var added = false;
        var handle = _listener.SafeHandle;
        int wake;
        lock (_gate)
        {
            if (_closed) throw new SocketException((int)SocketError.OperationAborted);
            if (_wake < 0) _wake = EventFd(0, EfdCloexec);
            wake = _wake;
            _waiting = true;
        }
        try
        {
            // Held for the wait, so a close meanwhile cannot hand the descriptor's number to another file.
            handle.DangerousAddRef(ref added);
            var fds = stackalloc PollFd[2];
            fds[0] = new PollFd { Fd = (int)handle.DangerousGetHandle(), Events = PollIn };
            fds[1] = new PollFd { Fd = wake, Events = PollIn };
            while (Poll(fds, wake >= 0 ? 2u : 1u, wake >= 0 ? -1 : 200) < 0 && Marshal.GetLastPInvokeError() == EINTR) { }
            if (wake >= 0 && fds[1].Returned != 0)
            {
                ulong value;
                _ = Read(wake, &value, sizeof(ulong));
            }
        }
        catch (ObjectDisposedException)
        {
            throw new SocketException((int)SocketError.OperationAborted);
        }
        finally
        {
            if (added) handle.DangerousRelease();
            lock (_gate)
            {
                _waiting = false;
                if (_closed && _wake >= 0)
                {
                    _ = Close(_wake);
                    _wake = -1;
                }
            }
        }
        lock (_gate)
            if (_closed) throw new SocketException((int)SocketError.OperationAborted);
    }

    private unsafe void Wake()
    {
        lock (_gate)
        {
            if (_wake < 0) return;
            ulong one = 1;
            _ = Write(_wake, &one, sizeof(ulong));
        }
    }

    /// <summary>Ends a wait in progress; called before the listening socket is closed.</summary>
    public unsafe void Dispose()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            if (_wake < 0) return;
            if (_waiting)
            {
                ulong one = 1;
                _ = Write(_wake, &one, sizeof(ulong)); // the waiting thread closes the eventfd on its way out
            }
            else
            {
                _ = Close(_wake);
                _wake = -1;
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Returned;
    }

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    private static unsafe partial int Accept4(int fd, byte* address, int* length, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollFd* fds, uint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, void* buffer, nuint length);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, void* buffer, nuint length);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
