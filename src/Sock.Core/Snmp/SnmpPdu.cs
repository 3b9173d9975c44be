namespace Sock.Core.Snmp;

/// <summary>
/// A protocol data unit: Get, GetNext, GetBulk, Set, Response, SNMPv2-Trap, Inform or Report (RFC 3416). For a
/// GetBulkRequest the error-status and error-index fields carry non-repeaters and max-repetitions.
/// </summary>
public sealed record SnmpPdu
{
    /// <summary>The PDU type.</summary>
    public required PduType Type { get; init; }

    /// <summary>The request-id that pairs a response with its request.</summary>
    public int RequestId { get; init; }

    /// <summary>error-status (a number, so a value outside <see cref="SnmpErrorStatus"/> survives decoding).</summary>
    public int ErrorStatusCode { get; init; }

    /// <summary>error-index: the 1-based varbind the error is about, 0 for none.</summary>
    public int ErrorIndex { get; init; }

    /// <summary>The variable bindings.</summary>
    public IReadOnlyList<VarBind> VarBinds { get; init; } = [];

    /// <summary>error-status as the enumeration.</summary>
    public SnmpErrorStatus ErrorStatus => (SnmpErrorStatus)ErrorStatusCode;

    /// <summary>GetBulkRequest's non-repeaters (the error-status field).</summary>
    public int NonRepeaters => ErrorStatusCode;

    /// <summary>GetBulkRequest's max-repetitions (the error-index field).</summary>
    public int MaxRepetitions => ErrorIndex;

    /// <summary>A request of <paramref name="type"/> for <paramref name="oids"/> (NULL values).</summary>
    public static SnmpPdu Request(PduType type, int requestId, IEnumerable<Oid> oids) =>
        new() { Type = type, RequestId = requestId, VarBinds = oids.Select(VarBind.Request).ToList() };

    /// <summary>A GetBulkRequest.</summary>
    public static SnmpPdu GetBulk(int requestId, int nonRepeaters, int maxRepetitions, IEnumerable<Oid> oids) =>
        new() { Type = PduType.GetBulkRequest, RequestId = requestId, ErrorStatusCode = nonRepeaters, ErrorIndex = maxRepetitions,
                VarBinds = oids.Select(VarBind.Request).ToList() };

    /// <summary>True for the PDUs a command generator sends and an agent answers.</summary>
    public bool IsRequest => Type is PduType.GetRequest or PduType.GetNextRequest or PduType.GetBulkRequest or PduType.SetRequest;
}
