namespace Sock.Core.Snmp;

/// <summary>
/// What a manager knows of an agent's SNMPv3 engine (RFC 3414 §2.3, the non-authoritative side): its engine ID, its
/// boots and time as last learnt with the local clock at that moment (so the time can be told now), and the user's
/// keys localised to that engine ID.
/// </summary>
internal sealed class SnmpRemoteEngine
{
    private int _boots;
    private int _latestTime;
    private long _learntAt = Environment.TickCount64;
    private readonly Lock _gate = new();

    public SnmpRemoteEngine(byte[] id, int boots, int time, UsmUser user)
    {
        Id = id;
        _boots = boots;
        _latestTime = time;
        Keys = UsmKeys.For(user, id);
    }

    public byte[] Id { get; }

    public UsmLocalKeys Keys { get; }

    public int Boots => Volatile.Read(ref _boots);

    /// <summary>The engine's time now, as this side reckons it.</summary>
    public int Time
    {
        get
        {
            lock (_gate) return (int)Math.Min(int.MaxValue, _latestTime + (Environment.TickCount64 - _learntAt) / 1000);
        }
    }

    /// <summary>
    /// Takes boots and time from an authenticated message: newer boots, or the same boots and a later time (RFC 3414
    /// §3.2 step 7b). <paramref name="force"/> takes them whatever they are, as from a signed notInTimeWindow report.
    /// </summary>
    public void Learn(int boots, int time, bool force = false)
    {
        lock (_gate)
        {
            if (!force && (boots < _boots || (boots == _boots && time <= _latestTime))) return;
            _boots = boots;
            _latestTime = time;
            _learntAt = Environment.TickCount64;
        }
    }
}
