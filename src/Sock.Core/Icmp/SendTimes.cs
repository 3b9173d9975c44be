namespace Sock.Core.Icmp;

/// <summary>
/// When each outstanding 16-bit sequence was sent to one host. A run of a few hosts keeps a table indexed by the
/// sequence (512 KiB a host: one look-up per reply with no hashing, what a flood needs); a run of many hosts keeps a
/// dictionary of only the sequences it sent, so a thousand hosts do not cost half a gigabyte.
/// </summary>
internal sealed class SendTimes(bool table)
{
    /// <summary>Up to this many hosts a run uses tables.</summary>
    public const int TableHostLimit = 16;

    // 0 marks "not sent": a send time is nanoseconds since 1970, never 0.
    private readonly long[]? _table = table ? new long[ushort.MaxValue + 1] : null;
    private readonly Dictionary<ushort, long>? _map = table ? null : [];

    public long this[ushort sequence]
    {
        set
        {
            if (_table is not null) _table[sequence] = value;
            else _map![sequence] = value;
        }
    }

    public bool TryGetValue(ushort sequence, out long sentAt)
    {
        if (_table is not null)
        {
            sentAt = _table[sequence];
            return sentAt != 0;
        }
        return _map!.TryGetValue(sequence, out sentAt);
    }

    public bool ContainsKey(ushort sequence) => TryGetValue(sequence, out _);
}
