namespace Sock.Core.Icmp;

/// <summary>
/// When each outstanding 16-bit sequence was sent to one host, and whether it has been answered. A run of a few hosts
/// keeps a table indexed by the sequence (512 KiB a host: one look-up per reply with no hashing, what a flood needs); a
/// run of many hosts keeps a dictionary of only the sequences it sent, so a thousand hosts do not cost half a gigabyte.
/// The answered mark is the top bit of the stored time, so a reply costs one look-up, not a second set's.
/// </summary>
internal sealed class SendTimes(bool table)
{
    /// <summary>Up to this many hosts a run uses tables.</summary>
    public const int TableHostLimit = 16;

    private const long AnsweredBit = long.MinValue;

    // 0 marks "not sent": a send time is nanoseconds since 1970, never 0 (nor negative, so the top bit is free).
    private readonly long[]? _table = table ? new long[ushort.MaxValue + 1] : null;
    private readonly Dictionary<ushort, long>? _map = table ? null : [];

    /// <summary>The request with this sequence went out at <paramref name="sentAt"/> ns; an earlier answer to the sequence (it wrapped) is history.</summary>
    public void Sent(ushort sequence, long sentAt)
    {
        if (_table is not null) _table[sequence] = sentAt;
        else _map![sequence] = sentAt;
    }

    /// <summary>When the request with this sequence went out; false when none did.</summary>
    public bool TryGetValue(ushort sequence, out long sentAt)
    {
        var found = TryGetRaw(sequence, out var raw);
        sentAt = raw & ~AnsweredBit;
        return found;
    }

    /// <summary>
    /// A reply to <paramref name="sequence"/> came: its send time, and whether the sequence had already been answered
    /// (a duplicate). False when no request with that sequence went out.
    /// </summary>
    public bool TryAnswer(ushort sequence, out long sentAt, out bool duplicate)
    {
        if (!TryGetRaw(sequence, out var raw))
        {
            sentAt = 0;
            duplicate = false;
            return false;
        }
        duplicate = raw < 0;
        sentAt = raw & ~AnsweredBit;
        if (!duplicate)
        {
            if (_table is not null) _table[sequence] = raw | AnsweredBit;
            else _map![sequence] = raw | AnsweredBit;
        }
        return true;
    }

    public bool ContainsKey(ushort sequence) => TryGetRaw(sequence, out _);

    private bool TryGetRaw(ushort sequence, out long raw)
    {
        if (_table is not null)
        {
            raw = _table[sequence];
            return raw != 0;
        }
        return _map!.TryGetValue(sequence, out raw);
    }
}
