namespace Sock.Core.Snmp;

/// <summary>How an object's instance index is written after its name (net-snmp's way).</summary>
public enum MibIndex
{
    /// <summary>Arcs as they are: .0 for a scalar, .N for an integer index.</summary>
    Plain,
    /// <summary>InetAddressType, InetAddress, port (tcpListenerTable).</summary>
    InetPort,
    /// <summary>Two of those (tcpConnectionTable).</summary>
    InetPortInetPort,
    /// <summary>Two of those and an instance (udpEndpointTable).</summary>
    InetPortInetPortInstance,
}

/// <summary>What an object's value means beyond its SMI type (its textual convention).</summary>
public enum MibSyntax
{
    /// <summary>No hint: strings are quoted, or hex when not printable.</summary>
    None,
    /// <summary>DisplayString: text, unquoted.</summary>
    DisplayString,
    /// <summary>PhysAddress: bytes as 1x: (52:54:0:12:34:56).</summary>
    PhysAddress,
    /// <summary>An enumerated INTEGER: label(n).</summary>
    Enumeration,
    /// <summary>SNMPv2-TC DateAndTime: 2026-12-7,5:2:11.3,+0:0 (its display hint, as net-snmp prints it).</summary>
    DateAndTime,
}

/// <summary>An object sock knows by name: its module, name, index layout, syntax and enumeration labels.</summary>
/// <param name="Oid">The object type.</param>
/// <param name="Module">The MIB module (TCP-MIB).</param>
/// <param name="Name">The descriptor (tcpConnectionState).</param>
/// <param name="Index">How instances are indexed.</param>
/// <param name="Syntax">The textual convention, if it changes how values read.</param>
/// <param name="Labels">For enumerations, the labels by number.</param>
public sealed record MibObject(Oid Oid, string Module, string Name, MibIndex Index = MibIndex.Plain, MibSyntax Syntax = MibSyntax.None,
    IReadOnlyDictionary<long, string>? Labels = null);
