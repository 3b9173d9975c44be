using System.Net.Sockets;
using System.Runtime.Versioning;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Sockets;

/// <summary>
/// accept(2) for a Unix stream listener on Linux, with an address buffer the size of sockaddr_un. .NET sizes accept's
/// address buffer by the listener's own address, so a client bound to a longer path (or to an abstract name) makes the
/// completion throw "Destination is too short" on one of its I/O threads, and that aborts the whole process. Here the
/// listener waits for a connection in poll(2) on a thread of its own (woken by an eventfd when it is closed or the wait
/// is cancelled), and accept4 takes the connection with room for any address.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class UnixAcceptor : IDisposable
{
    private const int SockaddrUnSize = 110; // sa_family_t + sun_path[108]

    private readonly Socket _listener;
    private readonly Lock _gate = new();
    private int _wake = -1;
    private bool _waiting;
    private bool _closed;

    public UnixAcceptor(Socket listener) => _listener = listener;

    /// <summary>Where this acceptor works: Linux, where accept4, poll and eventfd are the kernel's calls.</summary>
    [SupportedOSPlatformGuard("linux")]
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
    private Socket? TryAccept()
    {
        var added = false;
        var handle = _listener.SafeHandle;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            // The listener is never given to .NET's own async accept, so it may still be in blocking mode.
            Descriptor.MakeNonBlocking(fd);
            Span<byte> address = stackalloc byte[SockaddrUnSize];
            while (true)
            {
                var client = SocketCalls.Accept(fd, address);
                if (client >= 0) return new Socket(new SafeSocketHandle(client, ownsHandle: true));
                var errno = -client;
                if (errno is Errno.EINTR or Errno.ECONNABORTED) continue; // a client that left before it was taken: take the next
                if (errno == Errno.EAGAIN) return null;
                throw new SocketException((int)Errno.ToSocketError(errno));
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
    private void WaitReadable()
    {
        var added = false;
        var handle = _listener.SafeHandle;
        int wake;
        lock (_gate)
        {
            if (_closed) throw new SocketException((int)SocketError.OperationAborted);
            if (_wake < 0) _wake = Math.Max(-1, EventFd.Create());
            wake = _wake;
            _waiting = true;
        }
        try
        {
            // Held for the wait, so a close meanwhile cannot hand the descriptor's number to another file.
            handle.DangerousAddRef(ref added);
            // With no eventfd (out of descriptors), poll in slices of 200 ms so a close is still seen.
            if (Poll.ReadableOrWoken((int)handle.DangerousGetHandle(), wake, 200)) EventFd.Drain(wake);
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
                    _ = Descriptor.Close(_wake);
                    _wake = -1;
                }
            }
        }
        lock (_gate)
            if (_closed) throw new SocketException((int)SocketError.OperationAborted);
    }

    private void Wake()
    {
        lock (_gate)
        {
            if (_wake < 0) return;
            EventFd.Signal(_wake);
        }
    }

    /// <summary>Ends a wait in progress; called before the listening socket is closed.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            if (_wake < 0) return;
            if (_waiting)
            {
                EventFd.Signal(_wake); // the waiting thread closes the eventfd on its way out
            }
            else
            {
                _ = Descriptor.Close(_wake);
                _wake = -1;
            }
        }
    }
}
