using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Netcat;

/// <summary>
/// `sock listen -u`: a bound datagram socket. Without -k the first admitted peer becomes the only one (the socket is
/// connected to it) and the session goes on as a <see cref="Relay"/>; with -k every peer is answered: each
/// datagram goes to the output, and what the input carries is sent to every peer heard from (at most -m of them).
/// </summary>
internal sealed class DatagramListener
{
    private const int MaxDatagram = 65507;
    private readonly NetcatOptions _options;
    private readonly SocketTrace? _trace;
    private readonly INetcatObserver _log;
    private readonly ConcurrentDictionary<EndPoint, long> _peers = new();

    /// <summary>A UDP listener for <paramref name="options"/>.</summary>
    public DatagramListener(NetcatOptions options, SocketTrace? trace, INetcatObserver log)
    {
        _options = options;
        _trace = trace;
        _log = log;
    }

    /// <summary>Fires once the socket is bound, with the addresses it answers on.</summary>
    public event Action<IReadOnlyList<string>>? Listening;

    /// <summary>Binds and serves until the single peer's session ends, or until cancelled with -k.</summary>
    public async Task<RelayResult?> RunAsync(Stream? input, Stream? output, CancellationToken ct)
    {
        if (_options.RunsProgram) ExecRunner.StartInfo(_options);
        var access = await AccessList.CreateAsync(_options.Allow, _options.Deny, _options.NoDns, ct).ConfigureAwait(false);
        using var socket = await ListenBinder.BindAsync(_options, _trace, ct).ConfigureAwait(false);
        try
        {
            var addresses = SocketBinder.Describe(socket);
            foreach (var a in addresses) _log.On(new Listening(a, Datagram: true));
            Listening?.Invoke(addresses);
            using var recorder = SessionRecorder.For(_options, _log);
            var any = AnyOf(socket.Socket.LocalEndPoint!);
            if (_options.KeepOpen)
            {
                await ServeManyAsync(socket, access, any, input, output, recorder, ct).ConfigureAwait(false);
                return null;
            }
            var buffer = new byte[MaxDatagram + 1];
            SocketReceiveFromResult first;
            while (true)
            {
                try { first = await socket.ReceiveFromAsync(buffer, any, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { return null; }
                if (Admitted(access, first.RemoteEndPoint)) break;
            }
            var peer = EndpointText.Format(first.RemoteEndPoint);
            _log.On(new ClientConnected(peer, Datagram: true));
            if (first.RemoteEndPoint is not UnixDomainSocketEndPoint u || !string.IsNullOrEmpty(u.ToString()))
                await socket.ConnectAsync(first.RemoteEndPoint, null, ct).ConfigureAwait(false);
            recorder?.Received(buffer.AsSpan(0, first.ReceivedBytes));
            if (_options.RunsProgram)
            {
                var ran = await ExecRunner.RunAsync(socket, _options, recorder, buffer.AsMemory(0, first.ReceivedBytes), ct).ConfigureAwait(false);
                return ran with { BytesReceived = ran.BytesReceived + first.ReceivedBytes };
            }
            if (output is not null && !_options.SendOnly)
            {
                try
                {
                    await output.WriteAsync(buffer.AsMemory(0, first.ReceivedBytes), ct).ConfigureAwait(false);
                    await output.FlushAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    return new RelayResult(0, first.ReceivedBytes, RelayEnd.OutputClosed);
                }
            }
            var relayOptions = _options;
            if (relayOptions.QuitAfterEof is null && relayOptions.IdleTimeout is null)
                {
                relayOptions = _options.Copy();
                relayOptions.QuitAfterEof = Timeout.InfiniteTimeSpan;
            }
            var result = await new Relay(socket, _options.IgnoresStdin ? null : input, _options.SendOnly ? null : output, relayOptions, recorder)
                .RunAsync(ct).ConfigureAwait(false);
            return result with { BytesReceived = result.BytesReceived + first.ReceivedBytes };
        }
        finally
        {
            if (_options.UnixPath is { } path) UnixSocketFile.Remove(path);
        }
    }

    private bool Admitted(AccessList access, EndPoint from)
    {
        if (_options.MaxConnections == 0)
        {
            _log.On(new DatagramDropped(EndpointText.Format(from), Denied: false, MaxPeers: 0));
            return false;
        }
        if (access.Empty || from is not IPEndPoint ip || access.Admits(ip.Address)) return true;
        _log.On(new DatagramDropped(EndpointText.Format(ip), Denied: true, _options.MaxConnections));
        return false;
    }

    private async Task ServeManyAsync(TracedSocket socket, AccessList access, EndPoint any, Stream? input, Stream? output, SessionRecorder? recorder, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sender = input is not null && !_options.IgnoresStdin ? SendInputAsync(socket, input, recorder, cts.Token) : Task.CompletedTask;
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram + 1);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                SocketReceiveFromResult r;
                try { r = await socket.ReceiveFromAsync(buffer, any, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
                catch (Errors.SockException ex) when (ex.SocketError == SocketError.ConnectionReset)
                {
                    continue; // an ICMP error about an earlier reply to a peer that left
                }
                if (!Admitted(access, r.RemoteEndPoint)) continue;
                ExpireIdlePeers();
                if (!_peers.ContainsKey(r.RemoteEndPoint))
                {
                    if (_peers.Count >= _options.MaxConnections)
                    {
                        _log.On(new DatagramDropped(EndpointText.Format(r.RemoteEndPoint), Denied: false, _options.MaxConnections));
                        continue;
                    }
                    _log.On(new ClientConnected(EndpointText.Format(r.RemoteEndPoint), Datagram: true));
                }
                _peers[r.RemoteEndPoint] = Environment.TickCount64;
                recorder?.Received(buffer.AsSpan(0, r.ReceivedBytes));
                if (_options.RunsProgram)
                {
                    await ToProgramAsync(socket, r.RemoteEndPoint, buffer.AsMemory(0, r.ReceivedBytes), recorder, cts.Token).ConfigureAwait(false);
                    continue;
                }
                if (output is null || _options.SendOnly) continue;
                try
                {
                    await output.WriteAsync(buffer.AsMemory(0, r.ReceivedBytes), ct).ConfigureAwait(false);
                    await output.FlushAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { break; }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            await cts.CancelAsync().ConfigureAwait(false);
            try { await sender.ConfigureAwait(false); } catch (OperationCanceledException) { }
            foreach (var program in _programs.Values) program.Stop();
        }
    }

    private readonly ConcurrentDictionary<EndPoint, PeerProgram> _programs = new();

    /// <summary>-k with -e/-c over UDP: one process per peer; its datagrams go to the process's stdin, each read of
    /// the process's stdout goes back to the peer as one datagram; the peer is forgotten when the process exits.</summary>
    private async Task ToProgramAsync(TracedSocket socket, EndPoint peer, ReadOnlyMemory<byte> datagram, SessionRecorder? recorder, CancellationToken ct)
    {
        if (!_programs.TryGetValue(peer, out var program))
        {
            var process = ExecRunner.StartFor(_options, socket.Socket.LocalEndPoint, peer);
            program = new PeerProgram(process);
            _programs[peer] = program;
            program.Pump = PumpAsync(socket, peer, program, recorder, ct);
        }
        try
        {
            await program.Process.StandardInput.BaseStream.WriteAsync(datagram, ct).ConfigureAwait(false);
            await program.Process.StandardInput.BaseStream.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }

    private async Task PumpAsync(TracedSocket socket, EndPoint peer, PeerProgram program, SessionRecorder? recorder, CancellationToken ct)
    {
        var buffer = new byte[MaxDatagram];
        try
        {
            int n;
            while ((n = await program.Process.StandardOutput.BaseStream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await socket.SendToAsync(buffer.AsMemory(0, n), peer, ct).ConfigureAwait(false);
                recorder?.Sent(buffer.AsSpan(0, n));
            }
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
        catch (Errors.SockException ex) { _log.On(new DatagramSendFailed(EndpointText.Format(peer), ex.Reason)); }
        finally
        {
            _programs.TryRemove(peer, out _);
            _peers.TryRemove(peer, out _);
            program.Stop();
            _log.On(new DatagramProgramExited(EndpointText.Format(peer)));
        }
    }

    private sealed class PeerProgram(System.Diagnostics.Process process)
    {
        public System.Diagnostics.Process Process { get; } = process;

        public Task? Pump { get; set; }

        public void Stop()
        {
            try { Process.StandardInput.Close(); } catch (IOException) { } catch (ObjectDisposedException) { }
            try
            {
                if (!Process.WaitForExit(TimeSpan.FromMilliseconds(200))) Process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException) { }
        }
    }

    private void ExpireIdlePeers()
    {
        if (_options.IdleTimeout is not { } idle || idle <= TimeSpan.Zero) return;
        var now = Environment.TickCount64;
        foreach (var (peer, last) in _peers)
        {
            if (now - last >= idle.TotalMilliseconds && _peers.TryRemove(peer, out _))
                _log.On(new DatagramPeerForgotten(EndpointText.Format(peer)));
        }
    }

    private async Task SendInputAsync(TracedSocket socket, Stream input, SessionRecorder? recorder, CancellationToken ct)
    {
        try
        {
            await foreach (var data in InputChunks.ReadAsync(input, MaxDatagram, _options.Crlf, ct).ConfigureAwait(false))
            {
                foreach (var peer in _peers.Keys)
                {
                    try
                    {
                        var one = data[..Math.Min(MaxDatagram, data.Length)];
                        await socket.SendToAsync(one, peer, ct).ConfigureAwait(false);
                        recorder?.Sent(one.Span);
                    }
                    catch (Errors.SockException ex) { _log.On(new DatagramSendFailed(EndpointText.Format(peer), ex.Reason)); }
                }
            }
        }
        catch (IOException) { }
    }

    private static EndPoint AnyOf(EndPoint local) => local switch
    {
        IPEndPoint ip => new IPEndPoint(ip.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0),
        _ => local,
    };
}
