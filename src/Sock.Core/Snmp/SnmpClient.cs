using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Tracing;
using Sock.Core.Sockets;

namespace Sock.Core.Snmp;

/// <summary>
/// An SNMP command generator for one agent over UDP: Get, GetNext, GetBulk, and walks with GetNext (snmpwalk) or
/// GetBulk (snmpbulkwalk). Each request is sent again after <see cref="SnmpClientOptions.Timeout"/> up to
/// <see cref="SnmpClientOptions.Retries"/> times; only the response with the request's id counts. A bulk walk lowers
/// max-repetitions when the agent answers tooBig or stays silent, and a walk stops with an error when the agent
/// returns an OID that does not increase.
/// </summary>
public sealed class SnmpClient : IAsyncDisposable
{
    private readonly SnmpClientOptions _options;
    private readonly IPEndPoint _target;
    private readonly TracedSocket _socket;
    private readonly byte[] _buffer = new byte[65536];
    private int _requestId = Random.Shared.Next(1, int.MaxValue / 2);
    private bool _connected;

    /// <summary>A client for the agent at <paramref name="target"/>.</summary>
    public SnmpClient(IPEndPoint target, SnmpClientOptions options, SocketTrace? trace = null)
    {
        _target = target;
        _options = options;
        _socket = TracedSocket.Create(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp, trace);
    }

    /// <summary>The agent.</summary>
    public IPEndPoint Target => _target;

    /// <summary>The max-repetitions the last bulk walk ended with (lower than asked when it had to adapt).</summary>
    public int MaxRepetitions { get; private set; }

    /// <summary>Told when a bulk walk lowers max-repetitions, and why.</summary>
    public Action<string>? Adapted { get; set; }

    /// <summary>Sends <paramref name="pdu"/> (its request-id is set here) and returns the agent's response.</summary>
    public async Task<SnmpPdu> RequestAsync(SnmpPdu pdu, CancellationToken ct = default)
    {
        if (!_connected)
        {
            // A connected UDP socket hears ICMP port unreachable as "connection refused", and takes replies from the agent only.
            await _socket.ConnectAsync(_target, cancellationToken: ct).ConfigureAwait(false);
            _connected = true;
        }
        var id = Interlocked.Increment(ref _requestId) & int.MaxValue;
        var message = SnmpMessage.ForCommunity(_options.Version, _options.Community, pdu with { RequestId = id });
        var bytes = message.Encode();
        var tries = Math.Max(0, _options.Retries) + 1;
        for (var attempt = 0; attempt < tries; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.Timeout);
            try
            {
                await _socket.SendAsync(bytes, ct).ConfigureAwait(false);
                while (true)
                {
                    var n = await _socket.ReceiveAsync(_buffer, timeout.Token).ConfigureAwait(false);
                    if (!SnmpMessage.TryDecode(_buffer.AsMemory(0, n).ToArray(), out var reply, out _)) continue;
                    if (reply!.Pdu.RequestId != id || reply.Pdu.Type != PduType.Response || reply.Version != _options.Version) continue;
                    return reply.Pdu;
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            catch (SockException ex) when (ex.SocketError == SocketError.ConnectionRefused)
            {
                // ICMP port unreachable came back: no agent on that port; the socket's own wording lacks the target.
                throw new SockException(SockErrorKind.Network, "snmp request to", EndpointText.Format(_target),
                    "connection refused (no SNMP agent on that port)", SocketError.ConnectionRefused, ex);
            }
        }
        throw new SockException(SockErrorKind.Network, "snmp request to", EndpointText.Format(_target),
            $"timed out after {Durations.Format(_options.Timeout)} × {tries} tr{(tries == 1 ? "y" : "ies")} (no answer: wrong community or version, or no agent there)", SocketError.TimedOut);
    }

    /// <summary>GetRequest.</summary>
    public Task<SnmpPdu> GetAsync(IEnumerable<Oid> oids, CancellationToken ct = default) =>
        RequestAsync(SnmpPdu.Request(PduType.GetRequest, 0, oids), ct);

    /// <summary>GetNextRequest.</summary>
    public Task<SnmpPdu> GetNextAsync(IEnumerable<Oid> oids, CancellationToken ct = default) =>
        RequestAsync(SnmpPdu.Request(PduType.GetNextRequest, 0, oids), ct);

    /// <summary>
    /// Every instance under <paramref name="root"/> with GetNext, in order; a root with nothing under it is asked
    /// for with a Get, as snmpwalk does (so walking a scalar instance shows it).
    /// </summary>
    public async IAsyncEnumerable<VarBind> WalkAsync(Oid root, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var current = root;
        var any = false;
        while (true)
        {
            var pdu = await GetNextAsync([current], ct).ConfigureAwait(false);
            if (pdu.ErrorStatus == SnmpErrorStatus.NoSuchName) break; // v1's end of the MIB
            ThrowOnError(pdu, "walk");
            var vb = pdu.VarBinds.Count > 0 ? pdu.VarBinds[0] : null;
            if (vb is null || vb.Value.IsException || !vb.Oid.StartsWith(root) || vb.Oid == root) break;
            CheckIncreasing(current, vb.Oid);
            any = true;
            yield return vb;
            current = vb.Oid;
        }
        if (!any)
        {
            var pdu = await GetAsync([root], ct).ConfigureAwait(false);
            if (pdu.ErrorStatus == SnmpErrorStatus.NoError && pdu.VarBinds.Count == 1) yield return pdu.VarBinds[0];
        }
    }

    /// <summary>
    /// Every instance under <paramref name="root"/> with GetBulk. On tooBig, or a try that gets no answer at all,
    /// max-repetitions is halved (down to 1) and the request sent again; the walk goes on from where it was.
    /// </summary>
    public async IAsyncEnumerable<VarBind> BulkWalkAsync(Oid root, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (_options.Version == SnmpVersion.V1)
        {
            // SNMPv1 has no GetBulk: walk with GetNext as snmpbulkwalk -v1 would refuse to; sock does the useful thing.
            await foreach (var vb in WalkAsync(root, ct).ConfigureAwait(false)) yield return vb;
            yield break;
        }
        var reps = Math.Max(1, _options.MaxRepetitions);
        var current = root;
        var any = false;
        var done = false;
        while (!done)
        {
            SnmpPdu pdu;
            try
            {
                pdu = await RequestAsync(SnmpPdu.GetBulk(0, 0, reps, [current]), ct).ConfigureAwait(false);
            }
            catch (SockException ex) when (ex.SocketError == SocketError.TimedOut && reps > 1)
            {
                reps = Math.Max(1, reps / 2);
                Adapted?.Invoke($"no answer: max-repetitions lowered to {reps}");
                continue;
            }
            if (pdu.ErrorStatus == SnmpErrorStatus.TooBig && reps > 1)
            {
                reps = Math.Max(1, reps / 2);
                Adapted?.Invoke($"tooBig: max-repetitions lowered to {reps}");
                continue;
            }
            ThrowOnError(pdu, "bulkwalk");
            if (pdu.VarBinds.Count == 0) break;
            foreach (var vb in pdu.VarBinds)
            {
                if (vb.Value.IsException || !vb.Oid.StartsWith(root) || vb.Oid == root) { done = true; break; }
                CheckIncreasing(current, vb.Oid);
                any = true;
                yield return vb;
                current = vb.Oid;
            }
        }
        MaxRepetitions = reps;
        if (!any)
        {
            var pdu = await GetAsync([root], ct).ConfigureAwait(false);
            if (pdu.ErrorStatus == SnmpErrorStatus.NoError && pdu.VarBinds.Count == 1) yield return pdu.VarBinds[0];
        }
    }

    private void CheckIncreasing(Oid previous, Oid next)
    {
        // An agent that answers a GetNext with an OID not after the one asked would make a walk loop forever.
        if (next <= previous)
            throw new SockException(SockErrorKind.Network, "snmp walk of", EndpointText.Format(_target),
                $"the agent returned OIDs out of order ({next} after {previous}): stopped rather than loop");
    }

    private void ThrowOnError(SnmpPdu pdu, string what)
    {
        if (pdu.ErrorStatus == SnmpErrorStatus.NoError) return;
        var at = pdu.ErrorIndex > 0 && pdu.ErrorIndex <= pdu.VarBinds.Count ? $" at {pdu.VarBinds[pdu.ErrorIndex - 1].Oid}" : "";
        throw new SockException(SockErrorKind.Network, $"snmp {what} of", EndpointText.Format(_target),
            $"the agent answered {SnmpAgent.ErrorName(pdu.ErrorStatus)}{at}");
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
