using System.Net.Sockets;
using System.Net;
using System.Runtime.CompilerServices;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Sockets;
using Sock.Core.Connections;

namespace Sock.Core.Serving;

/// <summary>
/// A datagram socket (UDP or Unix datagram) and its receive loop: one pinned buffer and one socket address reused for
/// every datagram, so the echo path allocates nothing per datagram. Read by .NET's socket engine (the handler on the
/// thread pool), or with <see cref="ServerOptions.DatagramThreads"/> by a thread of its own in blocking calls.
/// </summary>
internal sealed class DatagramReceiveLoop
{
    /// <summary>The largest UDP payload over IPv4: 65,535 minus the IP and UDP headers.</summary>
    public const int MaxUdpPayload = 65507;

    /// <summary>sizeof(sa_family_t): a Unix sender's address no longer than this has no name to reply to.</summary>
    private const int UnnamedUnixAddressSize = 2;

    private readonly TracedSocket _socket;
    private readonly Socket _raw;
    private readonly SocketTrace? _trace;
    private readonly DatagramHandler _handler;
    private readonly SocketServer _server;
    private readonly TrafficCounters _traffic = new();
    private readonly SocketAddress _peer;
    private readonly EndPoint _anyOfFamily;
    private readonly int _maxLength;
    private readonly string _local;
    private readonly bool _unix;
    private readonly int _peerCapacity;
    private readonly bool _observed;
    private readonly bool _threaded;
    // The replies sent while the current datagram is handled, for an observer that asked to hear of each exchange.
    private int _repliesOut;
    private int _bytesOut;

    public DatagramReceiveLoop(long id, string name, TracedSocket socket, DatagramHandler handler, SocketServer server, int maxLength, bool threaded = false)
    {
        Id = id;
        Name = name;
        _socket = socket;
        _raw = socket.Socket;
        _trace = socket.Trace;
        _handler = handler;
        _server = server;
        _maxLength = maxLength > 0 ? maxLength : MaxUdpPayload;
        Handle = socket.Handle;
        LocalEndPoint = _raw.LocalEndPoint!;
        _local = EndpointText.Format(LocalEndPoint);
        _unix = _raw.AddressFamily == AddressFamily.Unix;
        // Any endpoint of the family turns a socket address into an endpoint; a Unix one needs a path, so the bound one serves.
        _anyOfFamily = _raw.AddressFamily switch
        {
            AddressFamily.InterNetworkV6 => new IPEndPoint(IPAddress.IPv6Any, 0),
            AddressFamily.Unix => LocalEndPoint,
            _ => new IPEndPoint(IPAddress.Any, 0),
        };
        _observed = server.ObservesDatagrams;
        _peer = new SocketAddress(_raw.AddressFamily);
        _peerCapacity = _peer.Size;
        // Unix datagram replies are sent without waiting (see SendToUnixPeer); only synchronous calls heed this,
        // the receive loop's awaited ones are unaffected.
        if (_unix) _raw.Blocking = false;
        // A blocking loop for UDP only: a Unix datagram reply must not wait (above). Its socket is never used by an
        // async call, which would make .NET turn the descriptor non-blocking and emulate every blocking call with poll.
        _threaded = threaded && !_unix;
    }

    public long Id { get; }
    public long Handle { get; }
    public string Name { get; }
    public EndPoint LocalEndPoint { get; }
    public Task Completion { get; private set; } = Task.CompletedTask;
    internal TrafficCounters Traffic => _traffic;

    public SocketRecord Record => _traffic.Record(Id, Handle, Name, _raw.AddressFamily, SocketType.Dgram, _local, "*", "UNCONN");

    public void Start()
    {
        if (!_threaded)
        {
            Completion = ReceiveLoopAsync();
            return;
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Completion = done.Task;
        var thread = new Thread(() =>
        {
            // Nothing may escape a thread of its own (it would end the process): what the loop does not expect is
            // counted as the server's error, and the socket is no longer read.
            try { ReceiveLoopBlocking(); }
            catch (Exception ex) { _server.CountError(Name, ex); }
            finally { done.SetResult(); }
        })
        { IsBackground = true, Name = $"sock {Name} udp" };
        thread.Start();
    }

    public bool IsClosed { get; private set; }

    /// <summary>Closes the socket (and removes a Unix socket's file).</summary>
    public void Close()
    {
        IsClosed = true;
        if (_threaded)
        {
            // Wakes the thread blocked in recvfrom (it returns 0; Linux answers ENOTCONN for an unconnected socket but
            // wakes its readers all the same). Elsewhere the receive timeout ends the wait.
            try { _raw.Shutdown(SocketShutdown.Receive); }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        }
        _socket.Dispose();
        if (_unix && LocalEndPoint.ToString() is { Length: > 0 } path && path[0] != '\0')
        {
            Sockets.UnixSocketFile.DeleteIfSocket(path);
        }
    }

    /// <summary>The peer of the datagram being handled, as an endpoint (made only when asked for).</summary>
    internal EndPoint CurrentPeer => _anyOfFamily.Create(_peer);

    internal async ValueTask SendToAsync(ReadOnlyMemory<byte> payload)
    {
        if (_unix)
        {
            SendToUnixPeer(payload.Span);
            return;
        }
        try
        {
            var n = _threaded ? _raw.SendTo(payload.Span, SocketFlags.None, _peer) : await _raw.SendToAsync(payload, SocketFlags.None, _peer).ConfigureAwait(false);
            _traffic.Sent(n);
            CountReply(n);
            if (_trace is not null) TraceSend(n);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset
                                             or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.MessageSize)
        {
            // A datagram the network refuses is lost, as UDP allows; the server goes on.
            _server.CountError(Name, SockException.FromSocket("send to", EndpointText.Format(CurrentPeer), ex));
        }
    }

    /// <summary>
    /// sendto() another UDP address than the current sender (a rendezvous introducing or relaying to the other peer);
    /// counted as a reply. A refusal by the network is lost, as UDP allows.
    /// </summary>
    internal async ValueTask SendToAsync(ReadOnlyMemory<byte> payload, EndPoint to)
    {
        try
        {
            var n = _threaded ? _raw.SendTo(payload.Span, SocketFlags.None, to) : await _raw.SendToAsync(payload, SocketFlags.None, to).ConfigureAwait(false);
            _traffic.Sent(n);
            CountReply(n);
            _trace?.Transfer(Handle, "sendto", n, () => $"sendto({Handle}, {n}, {EndpointText.Format(to)}) = {n}");
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset
                                             or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.MessageSize)
        {
            _server.CountError(Name, SockException.FromSocket("send to", EndpointText.Format(to), ex));
        }
    }

    /// <summary>
    /// A reply to a Unix datagram peer. Unlike UDP, where the kernel drops what a full receiver cannot take, a Unix
    /// sendto waits for room in the peer's queue: one peer that never reads would stop this loop, and awaiting the
    /// send spins (the socket polls writable while the peer's queue is full). So the reply is sent without waiting and
    /// dropped, as UDP would drop it, when the peer cannot take it now. What this cannot help: a peer that connect()ed
    /// to the server is exempt from the queue limit (Linux), so if it never reads, replies pile up in its queue, charged
    /// to this socket's send buffer, until that is full and every peer's reply is dropped while the hog lives.
    /// </summary>
    private void SendToUnixPeer(ReadOnlySpan<byte> payload)
    {
        // A client that did not bind a path has no address a reply could go to (sendto would fail with EINVAL): it
        // asked for no answer, and gets none.
        if (_peer.Size <= UnnamedUnixAddressSize) return;
        try
        {
            var n = _raw.SendTo(payload, SocketFlags.None, _peer);
            _traffic.Sent(n);
            CountReply(n);
            if (_trace is not null) TraceSend(n);
        }
        catch (SocketException ex) when (UnixReplyDropped(ex.SocketErrorCode) is { } why)
        {
            _server.Reject(Name, CurrentPeer, "reply dropped: " + why);
        }
    }

    private static string? UnixReplyDropped(SocketError error) => error switch
    {
        SocketError.WouldBlock => "no room (its receive queue, or this socket's send buffer, is full)",
        SocketError.ConnectionRefused => "no socket is bound to its path now", // ECONNREFUSED
        SocketError.AddressNotAvailable => "its path is gone", // ENOENT
        SocketError.MessageSize => "longer than the socket's send buffer",
        SocketError.NoBufferSpaceAvailable => "no buffer space",
        _ => null,
    };

    private async Task ReceiveLoopAsync()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxUdpPayload + 1, pinned: true);
        while (true)
        {
            int n;
            try
            {
                // recvfrom shrinks the address to the sender's (a Unix path's length); the next one may be longer.
                _peer.Size = _peerCapacity;
                n = await _raw.ReceiveFromAsync(buffer, SocketFlags.None, _peer).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
            {
                continue; // an ICMP error about an earlier reply (Windows reports these here)
            }
            catch (SocketException ex)
            {
                if (_server.IsStopping || ex.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted) return;
                _server.CountError(Name, SockException.FromSocket("receive on", _local, ex));
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }
            if (!Admit(buffer, n)) continue;
            try
            {
                await _handler(new ReceivedDatagram(this, buffer.AsMemory(0, n))).ConfigureAwait(false);
                Served(n);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (Exception ex)
            {
                _server.CountError(Name, ex);
            }
        }
    }

    /// <summary>The loop of <see cref="ServerOptions.DatagramThreads"/>: recvfrom, handler and sendto on this thread.</summary>
    private void ReceiveLoopBlocking()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxUdpPayload + 1, pinned: true);
        try
        {
            // Where a shutdown does not wake a blocked recvfrom, this does, to see the socket closed.
            _raw.ReceiveTimeout = 1000;
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        while (!IsClosed)
        {
            int n;
            try
            {
                _peer.Size = _peerCapacity;
                n = _raw.ReceiveFrom(buffer, SocketFlags.None, _peer);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused
                                                 or SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
            {
                continue; // an ICMP error about an earlier reply (Windows), or the receive timeout: look at IsClosed again
            }
            catch (SocketException ex)
            {
                if (IsClosed || _server.IsStopping || ex.SocketErrorCode is SocketError.OperationAborted) return;
                _server.CountError(Name, SockException.FromSocket("receive on", _local, ex));
                Thread.Sleep(50);
                continue;
            }
            // The shutdown at close returns 0 without a sender; an empty datagram from a peer has one.
            if (IsClosed) return;
            if (!Admit(buffer, n)) continue;
            try
            {
                var handled = _handler(new ReceivedDatagram(this, buffer.AsMemory(0, n)));
                if (!handled.IsCompletedSuccessfully) handled.AsTask().GetAwaiter().GetResult();
                Served(n);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (Exception ex)
            {
                _server.CountError(Name, ex);
            }
        }
    }

    // Counts and traces a received datagram; false when it is over the length limit (rejected, not handled).
    private bool Admit(byte[] buffer, int n)
    {
        _traffic.Received(n);
        if (_trace is not null) TraceReceive(n);
        if (n > _maxLength)
        {
            // A full buffer means the datagram was cut short (a Unix datagram can be longer than any UDP one).
            var size = n == buffer.Length ? $"more than {MaxUdpPayload}" : n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _server.Reject(Name, CurrentPeer, $"datagram of {size} bytes is longer than the limit of {_maxLength}");
            return false;
        }
        _repliesOut = _bytesOut = 0;
        return true;
    }

    private void Served(int n)
    {
        if (_observed) _server.Exchanged(Name, _unix ? "unixgram" : "udp", CurrentPeerOrNull(), n, _repliesOut, _bytesOut);
    }

    private void CountReply(int bytes)
    {
        _repliesOut++;
        _bytesOut += bytes;
    }

    // A Unix client that bound no path has no address to name.
    private EndPoint? CurrentPeerOrNull() => _unix && _peer.Size <= UnnamedUnixAddressSize ? null : CurrentPeer;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceReceive(int n) =>
        _trace!.Transfer(Handle, "recvfrom", n, () => $"recvfrom({Handle}) = {n} bytes from {EndpointText.Format(CurrentPeer)}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceSend(int n) =>
        _trace!.Transfer(Handle, "sendto", n, () => $"sendto({Handle}, {n}, {EndpointText.Format(CurrentPeer)}) = {n}");
}
