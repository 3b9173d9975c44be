using System.Globalization;
using System.Net;

namespace Sock.Core.Snmp;

/// <summary>
/// A varbind's value: a number (INTEGER, Counter32, Gauge32, TimeTicks, Counter64), bytes (OCTET STRING, IpAddress,
/// Opaque), an OID, NULL, or one of the exceptions noSuchObject, noSuchInstance, endOfMibView. Immutable.
/// </summary>
public sealed class SnmpValue : IEquatable<SnmpValue>
{
    private readonly byte[]? _bytes;

    private SnmpValue(SnmpValueType type, long number = 0, byte[]? bytes = null, Oid? oid = null)
    {
        Type = type;
        Number = number;
        _bytes = bytes;
        ObjectId = oid;
    }

    /// <summary>The value's SMI type, which says which accessor holds it and how net-snmp would print it.</summary>
    public SnmpValueType Type { get; }

    /// <summary>
    /// The number of an INTEGER (signed), Counter32, Gauge32 or TimeTicks (0 to 2^32−1); a Counter64 is held as its
    /// bits (see <see cref="Unsigned"/>).
    /// </summary>
    public long Number { get; }

    /// <summary>An unsigned type's value (Counter64 in full).</summary>
    public ulong Unsigned => unchecked((ulong)Number);

    /// <summary>The bytes of an OCTET STRING, IpAddress or Opaque; empty otherwise.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The bytes, as memory.</summary>
    public ReadOnlyMemory<byte> BytesMemory => _bytes;

    /// <summary>The value of an OBJECT IDENTIFIER.</summary>
    public Oid? ObjectId { get; }

    /// <summary>True for noSuchObject, noSuchInstance and endOfMibView.</summary>
    public bool IsException => Type is SnmpValueType.NoSuchObject or SnmpValueType.NoSuchInstance or SnmpValueType.EndOfMibView;

    /// <summary>NULL.</summary>
    public static SnmpValue Null { get; } = new(SnmpValueType.Null);

    /// <summary>noSuchObject.</summary>
    public static SnmpValue NoSuchObject { get; } = new(SnmpValueType.NoSuchObject);

    /// <summary>noSuchInstance.</summary>
    public static SnmpValue NoSuchInstance { get; } = new(SnmpValueType.NoSuchInstance);

    /// <summary>endOfMibView.</summary>
    public static SnmpValue EndOfMibView { get; } = new(SnmpValueType.EndOfMibView);

    /// <summary>An INTEGER.</summary>
    public static SnmpValue Integer(int value) => new(SnmpValueType.Integer, value);

    /// <summary>An OCTET STRING of bytes.</summary>
    public static SnmpValue OctetString(ReadOnlySpan<byte> value) => new(SnmpValueType.OctetString, bytes: value.ToArray());

    /// <summary>An OCTET STRING holding UTF-8 text (a DisplayString).</summary>
    public static SnmpValue OctetString(string text) => new(SnmpValueType.OctetString, bytes: System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>An OBJECT IDENTIFIER.</summary>
    public static SnmpValue ObjectIdentifier(Oid value) => new(SnmpValueType.ObjectIdentifier, oid: value);

    /// <summary>An IpAddress (IPv4 only, as SMIv2 defines it).</summary>
    public static SnmpValue IpAddress(IPAddress address)
    {
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new ArgumentException("an SNMP IpAddress is an IPv4 address", nameof(address));
        return new(SnmpValueType.IpAddress, bytes: address.GetAddressBytes());
    }

    /// <summary>A Counter32.</summary>
    public static SnmpValue Counter32(uint value) => new(SnmpValueType.Counter32, value);

    /// <summary>A Gauge32 (also Unsigned32).</summary>
    public static SnmpValue Gauge32(uint value) => new(SnmpValueType.Gauge32, value);

    /// <summary>TimeTicks: hundredths of a second.</summary>
    public static SnmpValue TimeTicks(uint value) => new(SnmpValueType.TimeTicks, value);

    /// <summary>A Counter64.</summary>
    public static SnmpValue Counter64(ulong value) => new(SnmpValueType.Counter64, unchecked((long)value));

    /// <summary>An Opaque wrapping <paramref name="ber"/>.</summary>
    public static SnmpValue Opaque(ReadOnlySpan<byte> ber) => new(SnmpValueType.Opaque, bytes: ber.ToArray());

    // For the decoder, which already owns its copy of the bytes.
    internal static SnmpValue FromBytes(SnmpValueType type, byte[] bytes) => new(type, bytes: bytes);

    internal static SnmpValue FromNumber(SnmpValueType type, long number) => new(type, number);

    /// <summary>The IPv4 address of an IpAddress value.</summary>
    public IPAddress? AsIPAddress() => Type == SnmpValueType.IpAddress && _bytes is { Length: 4 } ? new IPAddress(_bytes) : null;

    /// <summary>A short debugging form: the type and the value.</summary>
    public override string ToString() => Type switch
    {
        SnmpValueType.Integer => string.Create(CultureInfo.InvariantCulture, $"INTEGER: {Number}"),
        SnmpValueType.Counter32 or SnmpValueType.Gauge32 or SnmpValueType.TimeTicks => string.Create(CultureInfo.InvariantCulture, $"{Type}: {Number}"),
        SnmpValueType.Counter64 => string.Create(CultureInfo.InvariantCulture, $"Counter64: {Unsigned}"),
        SnmpValueType.ObjectIdentifier => $"OID: {ObjectId}",
        SnmpValueType.OctetString or SnmpValueType.Opaque => $"{Type}: {Convert.ToHexString(Bytes)}",
        SnmpValueType.IpAddress => $"IpAddress: {AsIPAddress()}",
        _ => Type.ToString(),
    };

    /// <inheritdoc />
    public bool Equals(SnmpValue? other) =>
        other is not null && Type == other.Type && Number == other.Number && Bytes.SequenceEqual(other.Bytes) && ObjectId == other.ObjectId;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SnmpValue v && Equals(v);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, Number, _bytes?.Length ?? 0, ObjectId);
}
