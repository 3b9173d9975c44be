namespace Sock.Core.Snmp;

/// <summary>The PDU types (RFC 3416 §3), numbered by their context-specific tag.</summary>
public enum PduType
{
    /// <summary>GetRequest-PDU [0].</summary>
    GetRequest = 0,
    /// <summary>GetNextRequest-PDU [1].</summary>
    GetNextRequest = 1,
    /// <summary>Response-PDU [2] (v1's GetResponse).</summary>
    Response = 2,
    /// <summary>SetRequest-PDU [3].</summary>
    SetRequest = 3,
    /// <summary>SNMPv1's Trap-PDU [4], whose layout differs (enterprise, agent-addr, generic and specific trap, time stamp).</summary>
    TrapV1 = 4,
    /// <summary>GetBulkRequest-PDU [5].</summary>
    GetBulkRequest = 5,
    /// <summary>InformRequest-PDU [6].</summary>
    InformRequest = 6,
    /// <summary>SNMPv2-Trap-PDU [7].</summary>
    TrapV2 = 7,
    /// <summary>Report-PDU [8].</summary>
    Report = 8,
}
