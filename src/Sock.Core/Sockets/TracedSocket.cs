using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;

namespace Sock.Core.Sockets;

/// <summary>
/// A socket whose calls are traced as the BSD calls they stand for and whose failures become
/// <see cref="SockException"/>s naming the operation and the endpoint. With no trace it adds one null check per call.
/// </summary>
public sealed class TracedSocket : IDisposable
{
    private readonly SocketTrace? _trace;
    private int _disposed;
    // The address connect() was given: after an error .NET no longer reports a peer (a connected UDP socket that got an
    // ICMP port unreachable reads as unconnected), yet the error must still name where the datagram went.
    private EndPoint? _connectedTo;

    private TracedSocket(Socket socket, SocketTrace? trace)
    {
        Socket = socket;
        _trace = trace;
    }

    /// <summary>The underlying socket, for what this wrapper does not cover.</summary>
    public Socket Socket { get; }

    /// <summary>The trace this socket writes to, if any.</summary>
    public SocketTrace? Trace => _trace;

    /// <summary>
    /// The operating system's handle (a file descriptor on Unix). Read only when tracing, since asking .NET for the
    /// handle marks the socket as exposed.
    /// </summary>
    public long Handle => Socket.SafeHandle.DangerousGetHandle().ToInt64();

    /// <summary>socket(family, type, protocol).</summary>
    public static TracedSocket Create(AddressFamily family, SocketType type, ProtocolType protocol, SocketTrace? trace)
    {
        Socket s;
        try
        {
            s = new Socket(family, type, protocol);
        }
        catch (SocketException ex)
        {
            trace?.Call($"socket({BsdNames.Family(family)}, {BsdNames.Type(type)}, {BsdNames.Protocol(protocol)}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            throw SockException.FromSocket("socket", BsdNames.Family(family), ex);
        }
        var t = new TracedSocket(s, trace);
        trace?.Call($"socket({BsdNames.Family(family)}, {BsdNames.Type(type)}, {BsdNames.Protocol(protocol)}) = {t.Handle}");
        return t;
    }

    /// <summary>A socket for <paramref name="endpoint"/>'s family: TCP or UDP for IP, stream or datagram for Unix.</summary>
    public static TracedSocket CreateFor(EndPoint endpoint, SocketType type, SocketTrace? trace)
    {
        var protocol = endpoint.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified
            : type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp;
        return Create(endpoint.AddressFamily, type, protocol, trace);
    }

    /// <summary>setsockopt(level, name, value).</summary>
    public void SetOption(SocketOptionLevel level, SocketOptionName name, int value)
    {
        Socket.SetSocketOption(level, name, value);
        _trace?.Call($"setsockopt({Handle}, {BsdNames.Option(level, name)}, {value})");
    }

    /// <summary>
    /// setsockopt(SOL_SOCKET, SO_REUSEADDR, 1) and nothing else: a server restarts on its port while old connections sit
    /// in TIME_WAIT, but a second live server is still refused. .NET's ReuseAddress option cannot be used for this, as
    /// on Linux it sets SO_REUSEPORT too. Nothing on Windows, where SO_REUSEADDR lets another socket take a bound port.
    /// </summary>
    public void SetReuseAddress()
    {
        if (OperatingSystem.IsWindows()) return;
        SetRaw(SolSocket, OperatingSystem.IsLinux() ? 2 : 0x4, "SO_REUSEADDR");
    }

    /// <summary>setsockopt(SOL_SOCKET, SO_REUSEPORT, 1): several sockets share one port (Linux, macOS, FreeBSD).</summary>
    public void SetReusePort()
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("SO_REUSEPORT");
        SetRaw(SolSocket, OperatingSystem.IsLinux() ? 15 : 0x200, "SO_REUSEPORT");
    }

    private static int SolSocket => OperatingSystem.IsLinux() ? 1 : 0xffff;

    private void SetRaw(int level, int name, string bsdName)
    {
        Span<byte> one = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(one, 1); // an int in the machine's byte order, as setsockopt reads it
        Socket.SetRawSocketOption(level, name, one);
        _trace?.Call($"setsockopt({Handle}, {bsdName}, 1)");
    }

    /// <summary>bind(address).</summary>
    public void Bind(EndPoint local)
    {
        try
        {
            Socket.Bind(local);
            _trace?.Call($"bind({Handle}, {EndpointText.Format(local)})");
        }
        catch (SocketException ex)
        {
            _trace?.Call($"bind({Handle}, {EndpointText.Format(local)}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            throw SockException.FromSocket("bind to", EndpointText.Format(local), ex);
        }
    }

    /// <summary>getsockname(): the address the socket is bound to, e.g. the ephemeral port the stack picked.</summary>
    public EndPoint? LocalEndPoint
    {
        get
        {
            var ep = Socket.LocalEndPoint;
            _trace?.Call($"getsockname({Handle}) = {EndpointText.Format(ep)}");
            return ep;
        }
    }

    /// <summary>listen(backlog).</summary>
    public void Listen(int backlog)
    {
        try
        {
            Socket.Listen(backlog);
            _trace?.Call($"listen({Handle}, {backlog})");
        }
        catch (SocketException ex)
        {
            _trace?.Call($"listen({Handle}, {backlog}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            throw SockException.FromSocket("listen on", EndpointText.Format(Socket.LocalEndPoint), ex);
        }
    }

    /// <summary>accept(): a new connected socket on the same local port, differing by the peer.</summary>
    public async ValueTask<TracedSocket> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var s = Socket.AddressFamily == AddressFamily.Unix && UnixAcceptor.Supported
                ? await UnixAccept.AcceptAsync(cancellationToken).ConfigureAwait(false)
                : await Socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            var t = new TracedSocket(s, _trace);
            _trace?.Call($"accept({Handle}) = {t.Handle} from {EndpointText.Format(s.RemoteEndPoint)}");
            return t;
        }
        catch (SocketException ex)
        {
            _trace?.Call($"accept({Handle}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            throw SockException.FromSocket("accept on", EndpointText.Format(Socket.LocalEndPoint), ex);
        }
    }

    /// <summary>
    /// accept() now, on a listening socket made non-blocking (<c>Blocking = false</c>) that a reactor has said is ready:
    /// the connection, or null when none is waiting after all (EAGAIN). IP listeners: a Unix one takes <see cref="AcceptAsync"/>.
    /// </summary>
    internal TracedSocket? AcceptNow()
    {
        try
        {
            var s = Socket.Accept();
            var t = new TracedSocket(s, _trace);
            _trace?.Call($"accept({Handle}) = {t.Handle} from {EndpointText.Format(s.RemoteEndPoint)}");
            return t;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.WouldBlock)
        {
            return null;
        }
        catch (SocketException ex)
        {
            _trace?.Call($"accept({Handle}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            throw SockException.FromSocket("accept on", EndpointText.Format(Socket.LocalEndPoint), ex);
        }
    }

    /// <summary>connect(address), with a timeout when one is given.</summary>
    public async ValueTask ConnectAsync(EndPoint remote, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t) cts.CancelAfter(t);
        try
        {
            await Socket.ConnectAsync(remote, cts.Token).ConfigureAwait(false);
            _connectedTo = remote;
            _trace?.Call($"connect({Handle}, {EndpointText.Format(remote)}) = 0");
        }
        catch (SocketException ex) when (remote is UnixDomainSocketEndPoint && ex.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.WouldBlock
            && (EndpointText.Format(remote).StartsWith('@') || File.Exists(remote.ToString())))
        {
            // EAGAIN: a Unix listener whose accept queue is full refuses a non-blocking connect at once (a blocking one
            // would wait for room), and .NET words it as a missing address. The file is there (an abstract name that
            // is missing is refused with ECONNREFUSED instead, never this): say what happened.
            _trace?.Call($"connect({Handle}, {EndpointText.Format(remote)}) = -1 EAGAIN");
            throw new SockException(SockErrorKind.Network, "connect to", EndpointText.Format(remote),
                "its listener's accept queue is full (EAGAIN)", SocketError.WouldBlock, ex);
        }
        catch (SocketException ex) when (remote is UnixDomainSocketEndPoint && ex.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            // ENOENT: .NET reports a missing socket file as "address not available".
            _trace?.Call($"connect({Handle}, {EndpointText.Format(remote)}) = -1 ENOENT");
            throw new SockException(SockErrorKind.Network, "connect to", EndpointText.Format(remote),
                "no such socket file (nothing is listening there)", ex.SocketErrorCode, ex);
        }
        catch (SocketException ex)
        {
            _trace?.Call($"connect({Handle}, {EndpointText.Format(remote)}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            throw SockException.FromSocket("connect to", EndpointText.Format(remote), ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout is not null)
        {
            _trace?.Call($"connect({Handle}, {EndpointText.Format(remote)}) = -1 ETIMEDOUT");
            throw SockException.TimedOut("connect to", EndpointText.Format(remote), timeout.Value);
        }
    }

    /// <summary>A connect made on this socket's descriptor outside .NET (on an epoll reactor) succeeded: remembered and traced as <see cref="ConnectAsync"/> does.</summary>
    internal void ConnectedOutside(EndPoint remote)
    {
        _connectedTo = remote;
        _trace?.Call($"connect({Handle}, {EndpointText.Format(remote)}) = 0");
    }

    /// <summary>A connect made outside .NET to an IP address failed with <paramref name="error"/>: traced and worded as <see cref="ConnectAsync"/> words it.</summary>
    internal SockException ConnectFailedOutside(EndPoint remote, SocketError error)
    {
        _trace?.Call($"connect({Handle}, {EndpointText.Format(remote)}) = -1 {BsdNames.Errno(error)}");
        return SockException.FromSocket("connect to", EndpointText.Format(remote), new SocketException((int)error));
    }

    /// <summary>A connect made outside .NET took longer than <paramref name="timeout"/>: traced and worded as <see cref="ConnectAsync"/> words it.</summary>
    internal SockException ConnectTimedOutOutside(EndPoint remote, TimeSpan timeout)
    {
        _trace?.Call($"connect({Handle}, {EndpointText.Format(remote)}) = -1 ETIMEDOUT");
        return SockException.TimedOut("connect to", EndpointText.Format(remote), timeout);
    }

    /// <summary>recv(): 0 means the peer shut down its side.</summary>
    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            var n = await Socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0 && !buffer.IsEmpty) ReceivedEndOfStream = true;
            // A zero-byte read (TLS waits for data that way, without a buffer) returns 0 when data is there, not at the end.
            _trace?.Transfer(Handle, "recv", n, () => buffer.IsEmpty ? $"recv({Handle}, 0) = 0 (a zero-byte read: data is waiting)"
                : n == 0 ? $"recv({Handle}) = 0 (peer closed its side)" : $"recv({Handle}) = {n} bytes");
            return n;
        }
        catch (SocketException ex)
        {
            _trace?.Call($"recv({Handle}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            throw Failure("receive from", SafeRemote(), ex);
        }
    }

    /// <summary>
    /// True once a recv() has returned 0 for a buffer that had room: the peer shut down its side. A TLS session that ends
    /// with this and without close_notify was cut short, not closed.
    /// </summary>
    public bool ReceivedEndOfStream { get; private set; }

    /// <summary>
    /// setsockopt(SO_LINGER, {1, 0}): close() then resets the connection (RST) instead of ending it (FIN), so the peer
    /// hears of a refusal as an error rather than as the end of the data.
    /// </summary>
    public void ResetOnClose()
    {
        try
        {
            Socket.LingerState = new LingerOption(true, 0);
            _trace?.Call($"setsockopt({Handle}, SO_LINGER, {{1, 0}})");
        }
        catch (SocketException) { } // already reset by the peer: nothing left to refuse
        catch (ObjectDisposedException) { }
    }

    /// <summary>send(): the whole buffer, as a stream socket's send loop does.</summary>
    public async ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            var n = await Socket.SendAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            _trace?.Transfer(Handle, "send", n, () => $"send({Handle}, {buffer.Length}) = {n}");
            return n;
        }
        catch (SocketException ex)
        {
            _trace?.Call($"send({Handle}, {buffer.Length}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            throw Failure("send to", SafeRemote(), ex);
        }
    }

    /// <summary>
    /// connect() on the calling thread, for a datagram socket: it only sets the peer, so it never waits. The socket is
    /// left in blocking mode (an async call would make it non-blocking for good), which <see cref="ReceiveWithin"/> needs.
    /// </summary>
    internal void Connect(EndPoint remote)
    {
        try
        {
            Socket.Connect(remote);
            _connectedTo = remote;
            _trace?.Call($"connect({Handle}, {EndpointText.Format(remote)}) = 0");
        }
        catch (SocketException ex)
        {
            _trace?.Call($"connect({Handle}, {EndpointText.Format(remote)}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            throw SockException.FromSocket("connect to", EndpointText.Format(remote), ex);
        }
    }

    /// <summary>send() on the calling thread: one datagram on a connected socket.</summary>
    internal int Send(ReadOnlySpan<byte> buffer)
    {
        var n = Socket.Send(buffer, SocketFlags.None, out var error);
        if (error != SocketError.Success)
        {
            _trace?.Call($"send({Handle}, {buffer.Length}) = -1 {BsdNames.Errno(error)}");
            throw Failure("send to", SafeRemote(), new SocketException((int)error));
        }
        if (_trace is not null) { var length = buffer.Length; _trace.Transfer(Handle, "send", n, () => $"send({Handle}, {length}) = {n}"); }
        return n;
    }

    /// <summary>
    /// setsockopt(SO_RCVTIMEO): the longest <see cref="ReceiveWithin"/> blocks. Set once, not per call: each call
    /// would cost a syscall.
    /// </summary>
    internal void SetReceiveTimeout(TimeSpan wait)
    {
        var ms = (int)Math.Clamp(Math.Ceiling(wait.TotalMilliseconds), 1, int.MaxValue);
        Socket.ReceiveTimeout = ms;
        _trace?.Call($"setsockopt({Handle}, SO_RCVTIMEO, {ms} ms)");
    }

    /// <summary>
    /// recv() on the calling thread of a blocking socket, one syscall: the bytes received, or -1 when nothing came
    /// within the SO_RCVTIMEO that <see cref="SetReceiveTimeout"/> set.
    /// </summary>
    internal int ReceiveWithin(Span<byte> buffer)
    {
        var n = Socket.Receive(buffer, SocketFlags.None, out var error);
        if (error is SocketError.TimedOut or SocketError.WouldBlock) return -1;
        if (error != SocketError.Success)
        {
            _trace?.Call($"recv({Handle}) = -1 {BsdNames.Errno(error)}");
            throw Failure("receive from", SafeRemote(), new SocketException((int)error));
        }
        _trace?.Transfer(Handle, "recv", n, () => $"recv({Handle}) = {n} bytes");
        return n;
    }

    /// <summary>recvfrom(): a datagram and the address it came from.</summary>
    public async ValueTask<SocketReceiveFromResult> ReceiveFromAsync(Memory<byte> buffer, EndPoint anyOfFamily, CancellationToken cancellationToken = default)
    {
        try
        {
            var r = await Socket.ReceiveFromAsync(buffer, SocketFlags.None, anyOfFamily, cancellationToken).ConfigureAwait(false);
            _trace?.Transfer(Handle, "recvfrom", r.ReceivedBytes, () => $"recvfrom({Handle}) = {r.ReceivedBytes} bytes from {EndpointText.Format(r.RemoteEndPoint)}");
            return r;
        }
        catch (SocketException ex)
        {
            _trace?.Call($"recvfrom({Handle}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            throw Failure("receive from", SafeRemote(), ex);
        }
    }

    /// <summary>sendto(): one datagram to <paramref name="remote"/>.</summary>
    public async ValueTask<int> SendToAsync(ReadOnlyMemory<byte> buffer, EndPoint remote, CancellationToken cancellationToken = default)
    {
        try
        {
            var n = await Socket.SendToAsync(buffer, SocketFlags.None, remote, cancellationToken).ConfigureAwait(false);
            _trace?.Transfer(Handle, "sendto", n, () => $"sendto({Handle}, {buffer.Length}, {EndpointText.Format(remote)}) = {n}");
            return n;
        }
        catch (SocketException ex)
        {
            _trace?.Call($"sendto({Handle}, {buffer.Length}, {EndpointText.Format(remote)}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
            throw SockException.FromSocket("send to", EndpointText.Format(remote), ex);
        }
    }

    /// <summary>shutdown(how); a socket the peer already reset is not an error here.</summary>
    public void Shutdown(SocketShutdown how)
    {
        if (_trace is not null)
        {
            _trace.FlushTransfers(Handle);
            // Written before the call: the peer's answer to our FIN (recv = 0) can otherwise be traced first.
            _trace.Call($"shutdown({Handle}, {BsdNames.Shutdown(how)})");
        }
        try
        {
            Socket.Shutdown(how);
        }
        catch (SocketException ex)
        {
            _trace?.Call($"shutdown({Handle}, {BsdNames.Shutdown(how)}) = -1 {BsdNames.Errno(ex.SocketErrorCode)}");
        }
    }

    /// <summary>close().</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (OperatingSystem.IsLinux()) Volatile.Read(ref _unixAcceptor)?.Dispose(); // ends an accept waiting in poll before the descriptor goes
        if (_trace is not null)
        {
            var h = Handle;
            _trace.FlushTransfers(h);
            Socket.Dispose();
            _trace.Call($"close({h})");
        }
        else
        {
            Socket.Dispose();
        }
    }

    private UnixAcceptor? _unixAcceptor;

    // Made on the first accept, so only Unix listeners get one.
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private UnixAcceptor UnixAccept
    {
        get
        {
            if (_unixAcceptor is { } a) return a;
            var made = new UnixAcceptor(Socket);
            return Interlocked.CompareExchange(ref _unixAcceptor, made, null) ?? made;
        }
    }

    private EndPoint? SafeRemote()
    {
        try { return Socket.RemoteEndPoint ?? _connectedTo; }
        catch (SocketException) { return _connectedTo; }
        catch (ObjectDisposedException) { return _connectedTo; }
    }

    /// <summary>
    /// A failed transfer as a <see cref="SockException"/>. On a UDP socket ECONNREFUSED is not a refused connection
    /// (there is none): it is an ICMP port unreachable that answered an earlier datagram, which Linux reports only on
    /// a connected socket; the reason says so.
    /// </summary>
    private SockException Failure(string operation, EndPoint? remote, SocketException ex) =>
        ex.SocketErrorCode == SocketError.ConnectionRefused && Socket.SocketType == SocketType.Dgram
            && Socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            ? new SockException(SockErrorKind.Network, operation, EndpointText.Format(remote), DatagramRefused, ex.SocketErrorCode, ex)
            : SockException.FromSocket(operation, EndpointText.Format(remote), ex);

    /// <summary>The reason given when a connected datagram socket's peer port answered with ICMP port unreachable.</summary>
    public const string DatagramRefused = "connection refused (an ICMP port unreachable came back: nothing is listening on that port)";
}
