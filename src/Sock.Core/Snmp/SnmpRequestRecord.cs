namespace Sock.Core.Snmp;

/// <summary>One request an agent received and what became of it, for its log.</summary>
public sealed record SnmpRequestRecord
{
    /// <summary>When it arrived.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The sender, address:port.</summary>
    public required string Peer { get; init; }

    /// <summary>v1, v2c or v3; null when the message could not be read.</summary>
    public string? Version { get; init; }

    /// <summary>The PDU type (GetRequest…); null when unreadable.</summary>
    public string? Pdu { get; init; }

    /// <summary>The community or user name.</summary>
    public string? Principal { get; init; }

    /// <summary>The OIDs asked for.</summary>
    public IReadOnlyList<string> Oids { get; init; } = [];

    /// <summary>answered, reported (an SNMPv3 Report saying why not), or dropped.</summary>
    public required string Outcome { get; init; }

    /// <summary>The response's error-status when not noError, or why the request was dropped.</summary>
    public string? Error { get; init; }

    /// <summary>How many varbinds the response carried.</summary>
    public int VarBinds { get; init; }

    /// <summary>The response's size in bytes.</summary>
    public int Bytes { get; init; }
}
