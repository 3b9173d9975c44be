using Sock.Core.Connections;

namespace Sock.Core.Forwarding;

/// <summary>
/// One forwarded pair, live: the client, its target leg (once opened), the bytes relayed each way (exact: what was
/// written to the other side, so over TLS the plaintext), when it opened and, once closed, why.
/// </summary>
public sealed class ForwardSession
{
    private long _toTarget;
    private long _toClient;
    private readonly long _openedTicks = Environment.TickCount64;
    private long _closedTicks;
    private string? _closeReason;

    private readonly Func<SocketRecord?>? _datagramRecord;

    /// <summary>
    /// A session for <paramref name="client"/>, numbered <paramref name="id"/>, towards <paramref name="targetName"/>;
    /// <paramref name="target"/> is its target leg when it is open already (else the forwarder sets it once it is).
    /// </summary>
    public ForwardSession(long id, ForwardLeg client, string targetName, ForwardLeg? target = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        Id = id;
        Client = client;
        ClientName = client.Description;
        TargetName = targetName;
        Target = target;
    }

    /// <summary>A UDP session: a client address, and the socket towards the target whose record <paramref name="targetRecord"/> gives.</summary>
    internal ForwardSession(long id, string clientName, string targetName, Func<SocketRecord?> targetRecord)
    {
        Id = id;
        ClientName = clientName;
        TargetName = targetName;
        _datagramRecord = targetRecord;
    }

    /// <summary>The forwarder's number for this session, from 1.</summary>
    public long Id { get; }

    /// <summary>The accepted client's leg; null for a UDP session (a client address, not a connection).</summary>
    public ForwardLeg? Client { get; }

    /// <summary>The client as the logs name it: its address (127.0.0.1:51234, unix:(unnamed)…).</summary>
    public string ClientName { get; }

    /// <summary>"stream", or "datagram" for a UDP session.</summary>
    public string Kind => _datagramRecord is null ? "stream" : "datagram";

    /// <summary>The target's leg, once it is open; null before, or when opening it failed.</summary>
    public ForwardLeg? Target { get; internal set; }

    /// <summary>The target as the logs name it (<see cref="IForwardTarget.Name"/>).</summary>
    public string TargetName { get; }

    /// <summary>When the client was accepted.</summary>
    public DateTimeOffset OpenedAt { get; } = DateTimeOffset.Now;

    /// <summary>Bytes relayed from the client to the target.</summary>
    public long BytesToTarget => Interlocked.Read(ref _toTarget);

    /// <summary>Bytes relayed from the target to the client.</summary>
    public long BytesToClient => Interlocked.Read(ref _toClient);

    /// <summary>How long the session has lasted (until it closed, once it has).</summary>
    public TimeSpan Duration => TimeSpan.FromMilliseconds((_closedTicks == 0 ? Environment.TickCount64 : _closedTicks) - _openedTicks);

    /// <summary>True until both sides are done.</summary>
    public bool IsOpen => Volatile.Read(ref _closedTicks) == 0;

    /// <summary>
    /// Why the session ended: "closed by client", "closed by target", "reset by client", "reset by target", "target
    /// refused: …", "idle timeout", "forwarder stopped"…; null while it is open.
    /// </summary>
    public string? CloseReason => IsOpen ? null : _closeReason;

    /// <summary>The client socket's record now (null when the client is not a socket).</summary>
    public SocketRecord? ClientRecord => Client?.Record;

    /// <summary>The target socket's record now (null before it is open, or when it is not a socket).</summary>
    public SocketRecord? TargetRecord => _datagramRecord is not null ? _datagramRecord() : Target?.Record;

    internal void Relayed(ForwardDirection direction, long bytes)
    {
        if (direction == ForwardDirection.ToTarget) Interlocked.Add(ref _toTarget, bytes);
        else Interlocked.Add(ref _toClient, bytes);
    }

    /// <summary>Records the first reason given; later ones (the other side's end, as a consequence) are kept out.</summary>
    internal void SetReason(string reason) => Interlocked.CompareExchange(ref _closeReason, reason, null);

    internal void Close(string fallbackReason)
    {
        SetReason(fallbackReason);
        Interlocked.CompareExchange(ref _closedTicks, Math.Max(1, Environment.TickCount64), 0);
    }
}
