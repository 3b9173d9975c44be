using System.Formats.Asn1;

namespace Sock.Core.Snmp;

/// <summary>
/// BER encoding and decoding of SNMP messages on System.Formats.Asn1. Decoding reads the fixed shape of a message
/// (message → PDU → varbind list → varbind → value) and refuses any other tag where a value is expected, so nesting
/// cannot recurse; every length is checked against what is left; numbers must fit their SMI type.
/// </summary>
internal static class SnmpCodec
{
    private static readonly Asn1Tag IpAddressTag = new(TagClass.Application, 0);
    private static readonly Asn1Tag Counter32Tag = new(TagClass.Application, 1);
    private static readonly Asn1Tag Gauge32Tag = new(TagClass.Application, 2);
    private static readonly Asn1Tag TimeTicksTag = new(TagClass.Application, 3);
    private static readonly Asn1Tag OpaqueTag = new(TagClass.Application, 4);
    private static readonly Asn1Tag Counter64Tag = new(TagClass.Application, 6);

    /// <summary>A message that is not SNMP as this codec reads it.</summary>
    internal sealed class FormatError(string reason) : Exception(reason);

    public static byte[] Encode(SnmpMessage message)
    {
        var w = new AsnWriter(AsnEncodingRules.BER);
        using (w.PushSequence())
        {
            w.WriteInteger((int)message.Version);
            if (message.Version == SnmpVersion.V3)
            {
                var h = message.V3 ?? throw new InvalidOperationException("an SNMPv3 message needs its header");
                WriteV3Header(w, h);
                w.WriteOctetString(EncodeUsmParameters(h));
                if (h.EncryptedPdu is { } encrypted) w.WriteOctetString(encrypted.Span);
                else WriteScopedPdu(w, h, message.Pdu);
            }
            else
            {
                w.WriteOctetString(message.Community.Span);
                WritePdu(w, message.Pdu);
            }
        }
        return w.Encode();
    }

    internal static void WriteV3Header(AsnWriter w, SnmpV3Header h)
    {
        using (w.PushSequence())
        {
            w.WriteInteger(h.MessageId);
            w.WriteInteger(h.MaxSize);
            w.WriteOctetString([h.Flags]);
            w.WriteInteger(h.SecurityModel);
        }
    }

    internal static byte[] EncodeUsmParameters(SnmpV3Header h)
    {
        var w = new AsnWriter(AsnEncodingRules.BER);
        using (w.PushSequence())
        {
            w.WriteOctetString(h.EngineId.Span);
            w.WriteInteger(h.EngineBoots);
            w.WriteInteger(h.EngineTime);
            w.WriteOctetString(System.Text.Encoding.UTF8.GetBytes(h.UserName));
            w.WriteOctetString(h.AuthParameters.Span);
            w.WriteOctetString(h.PrivParameters.Span);
        }
        return w.Encode();
    }

    internal static void WriteScopedPdu(AsnWriter w, SnmpV3Header h, SnmpPdu pdu)
    {
        using (w.PushSequence())
        {
            w.WriteOctetString(h.ContextEngineId.Span);
            w.WriteOctetString(System.Text.Encoding.UTF8.GetBytes(h.ContextName));
            WritePdu(w, pdu);
        }
    }

    internal static byte[] EncodeScopedPdu(SnmpV3Header h, SnmpPdu pdu)
    {
        var w = new AsnWriter(AsnEncodingRules.BER);
        WriteScopedPdu(w, h, pdu);
        return w.Encode();
    }

    public static void WritePdu(AsnWriter w, SnmpPdu pdu)
    {
        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, (int)pdu.Type, isConstructed: true)))
        {
            w.WriteInteger(pdu.RequestId);
            w.WriteInteger(pdu.ErrorStatusCode);
            w.WriteInteger(pdu.ErrorIndex);
            using (w.PushSequence())
                foreach (var vb in pdu.VarBinds) WriteVarBind(w, vb);
        }
    }

    public static void WriteVarBind(AsnWriter w, VarBind vb)
    {
        using (w.PushSequence())
        {
            WriteOid(w, vb.Oid);
            WriteValue(w, vb.Value);
        }
    }

    /// <summary>The bytes one varbind takes in a message.</summary>
    public static int EncodedLength(VarBind vb)
    {
        var content = OidTlvLength(vb.Oid) + ValueLength(vb.Value);
        return 1 + LengthOfLength(content) + content;
    }

    private static int OidTlvLength(Oid oid)
    {
        var n = oid.ContentLength();
        return 1 + LengthOfLength(n) + n;
    }

    private static int ValueLength(SnmpValue v)
    {
        var content = v.Type switch
        {
            SnmpValueType.Integer => IntegerLength(v.Number),
            SnmpValueType.Counter32 or SnmpValueType.Gauge32 or SnmpValueType.TimeTicks or SnmpValueType.Counter64 => UnsignedLength(v.Unsigned),
            SnmpValueType.OctetString or SnmpValueType.IpAddress or SnmpValueType.Opaque => v.Bytes.Length,
            SnmpValueType.ObjectIdentifier => v.ObjectId!.ContentLength(),
            _ => 0,
        };
        return 1 + LengthOfLength(content) + content;
    }

    private static int IntegerLength(long v)
    {
        var n = 1;
        while (n < 8 && (v >> (8 * n - 1)) is not (0 or -1)) n++;
        return n;
    }

    private static int UnsignedLength(ulong v)
    {
        var n = 1;
        while (n < 9 && (v >> (8 * n - 1)) != 0) n++;
        return n;
    }

    private static int LengthOfLength(int n) => n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 5;

    private static void WriteOid(AsnWriter w, Oid oid)
    {
        var content = new List<byte>(oid.Length + 4);
        oid.WriteContent(content);
        Span<byte> tlv = stackalloc byte[content.Count + 6];
        tlv[0] = 0x06;
        var header = WriteLength(tlv[1..], content.Count) + 1;
        for (var i = 0; i < content.Count; i++) tlv[header + i] = content[i];
        w.WriteEncodedValue(tlv[..(header + content.Count)]);
    }

    private static int WriteLength(Span<byte> into, int n)
    {
        if (n < 0x80) { into[0] = (byte)n; return 1; }
        var bytes = LengthOfLength(n) - 1;
        into[0] = (byte)(0x80 | bytes);
        for (var i = 0; i < bytes; i++) into[1 + i] = (byte)(n >> (8 * (bytes - 1 - i)));
        return bytes + 1;
    }

    private static void WriteValue(AsnWriter w, SnmpValue v)
    {
        switch (v.Type)
        {
            case SnmpValueType.Integer: w.WriteInteger(v.Number); break;
            case SnmpValueType.OctetString: w.WriteOctetString(v.Bytes); break;
            case SnmpValueType.Null: w.WriteNull(); break;
            case SnmpValueType.ObjectIdentifier: WriteOid(w, v.ObjectId!); break;
            case SnmpValueType.IpAddress: w.WriteOctetString(v.Bytes, IpAddressTag); break;
            case SnmpValueType.Counter32: w.WriteInteger(v.Unsigned, Counter32Tag); break;
            case SnmpValueType.Gauge32: w.WriteInteger(v.Unsigned, Gauge32Tag); break;
            case SnmpValueType.TimeTicks: w.WriteInteger(v.Unsigned, TimeTicksTag); break;
            case SnmpValueType.Opaque: w.WriteOctetString(v.Bytes, OpaqueTag); break;
            case SnmpValueType.Counter64: w.WriteInteger(v.Unsigned, Counter64Tag); break;
            case SnmpValueType.NoSuchObject: w.WriteNull(new Asn1Tag(TagClass.ContextSpecific, 0)); break;
            case SnmpValueType.NoSuchInstance: w.WriteNull(new Asn1Tag(TagClass.ContextSpecific, 1)); break;
            case SnmpValueType.EndOfMibView: w.WriteNull(new Asn1Tag(TagClass.ContextSpecific, 2)); break;
            default: throw new ArgumentOutOfRangeException(nameof(v));
        }
    }

    public static bool TryDecode(ReadOnlyMemory<byte> data, out SnmpMessage? message, out string? error)
    {
        message = null;
        error = null;
        try
        {
            message = Decode(data);
            return true;
        }
        catch (FormatError ex) { error = ex.Message; }
        // System.Formats.Asn1's own wording is not for users: say what kind of input it was.
        catch (AsnContentException) { error = "malformed BER (a length or tag that does not fit)"; }
        return false;
    }

    private static SnmpMessage Decode(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty) throw new FormatError("an empty datagram");
        var outer = new AsnReader(data, AsnEncodingRules.BER);
        var msg = outer.ReadSequence();
        if (outer.HasData) throw new FormatError("bytes after the end of the message");
        var version = ReadInt32(msg, "the version");
        if (version is not (0 or 1 or 3)) throw new FormatError($"unknown version {version}");
        SnmpMessage result;
        if (version == 3)
        {
            result = DecodeV3(msg);
        }
        else
        {
            var community = ReadOctets(msg, Asn1Tag.PrimitiveOctetString, "the community");
            var pdu = ReadPdu(msg);
            result = new SnmpMessage { Version = (SnmpVersion)version, Community = community, Pdu = pdu };
        }
        if (msg.HasData) throw new FormatError("bytes after the PDU");
        return result;
    }

    private static SnmpMessage DecodeV3(AsnReader msg)
    {
        var global = msg.ReadSequence();
        var id = ReadInt32(global, "msgID");
        var maxSize = ReadInt32(global, "msgMaxSize");
        var flags = ReadOctets(global, Asn1Tag.PrimitiveOctetString, "msgFlags");
        var model = ReadInt32(global, "msgSecurityModel");
        if (global.HasData) throw new FormatError("bytes after msgSecurityModel");
        if (flags.Length != 1) throw new FormatError("msgFlags is not one byte");
        if (id < 0 || maxSize < 484) throw new FormatError("msgID or msgMaxSize out of range");
        var paramsBytes = ReadOctets(msg, Asn1Tag.PrimitiveOctetString, "msgSecurityParameters");
        var header = new SnmpV3Header { MessageId = id, MaxSize = maxSize, Flags = flags.Span[0], SecurityModel = model };
        if (model == 3)
        {
            var pr = new AsnReader(paramsBytes, AsnEncodingRules.BER);
            var usm = pr.ReadSequence();
            if (pr.HasData) throw new FormatError("bytes after the USM parameters");
            header = header with
            {
                EngineId = ReadOctets(usm, Asn1Tag.PrimitiveOctetString, "msgAuthoritativeEngineID"),
                EngineBoots = ReadInt32(usm, "msgAuthoritativeEngineBoots"),
                EngineTime = ReadInt32(usm, "msgAuthoritativeEngineTime"),
                UserName = System.Text.Encoding.UTF8.GetString(ReadOctets(usm, Asn1Tag.PrimitiveOctetString, "msgUserName").Span),
                AuthParameters = ReadOctets(usm, Asn1Tag.PrimitiveOctetString, "msgAuthenticationParameters"),
                PrivParameters = ReadOctets(usm, Asn1Tag.PrimitiveOctetString, "msgPrivacyParameters"),
            };
            if (usm.HasData) throw new FormatError("bytes after msgPrivacyParameters");
            if (header.EngineId.Length > 32 || header.UserName.Length > 32) throw new FormatError("an engine ID or user name longer than 32 bytes");
        }
        if (msg.PeekTag() == Asn1Tag.PrimitiveOctetString)
        {
            var encrypted = ReadOctets(msg, Asn1Tag.PrimitiveOctetString, "the encrypted PDU");
            return new SnmpMessage
            {
                Version = SnmpVersion.V3,
                V3 = header with { EncryptedPdu = encrypted },
                Pdu = new SnmpPdu { Type = PduType.Report },
            };
        }
        var (scopedHeader, pdu) = ReadScopedPdu(msg, header);
        return new SnmpMessage { Version = SnmpVersion.V3, V3 = scopedHeader, Pdu = pdu };
    }

    /// <summary>Where msgAuthenticationParameters' contents lie in an encoded v3 message (the MAC goes there).</summary>
    internal static (int Offset, int Length) AuthParametersRange(byte[] message) =>
        TryAuthParametersRange(message, out var offset, out var length) ? (offset, length) : throw new FormatError("not an SNMPv3 message with USM parameters");

    /// <summary>
    /// Finds msgAuthenticationParameters in <paramref name="message"/> by reading the message's fixed shape; the
    /// readers hand out slices of the array, so each slice's offset is where it lies in the message.
    /// </summary>
    internal static bool TryAuthParametersRange(byte[] message, out int offset, out int length)
    {
        offset = length = 0;
        try
        {
            var msg = new AsnReader(message, AsnEncodingRules.BER).ReadSequence();
            if (ReadInt32(msg, "the version") != 3) return false;
            msg.ReadSequence();
            var usm = new AsnReader(ReadOctets(msg, Asn1Tag.PrimitiveOctetString, "msgSecurityParameters"), AsnEncodingRules.BER).ReadSequence();
            ReadOctets(usm, Asn1Tag.PrimitiveOctetString, "msgAuthoritativeEngineID");
            ReadInt32(usm, "msgAuthoritativeEngineBoots");
            ReadInt32(usm, "msgAuthoritativeEngineTime");
            ReadOctets(usm, Asn1Tag.PrimitiveOctetString, "msgUserName");
            var auth = ReadOctets(usm, Asn1Tag.PrimitiveOctetString, "msgAuthenticationParameters");
            if (!System.Runtime.InteropServices.MemoryMarshal.TryGetArray(auth, out var segment) || segment.Array != message) return false;
            offset = segment.Offset;
            length = segment.Count;
            return true;
        }
        catch (FormatError) { return false; }
        catch (AsnContentException) { return false; }
    }

    /// <summary>Reads a scoped PDU (after decryption, or in clear).</summary>
    internal static (SnmpV3Header, SnmpPdu) ReadScopedPdu(AsnReader from, SnmpV3Header header)
    {
        var scoped = from.ReadSequence();
        var engine = ReadOctets(scoped, Asn1Tag.PrimitiveOctetString, "contextEngineID");
        var name = ReadOctets(scoped, Asn1Tag.PrimitiveOctetString, "contextName");
        var pdu = ReadPdu(scoped);
        if (scoped.HasData) throw new FormatError("bytes after the scoped PDU");
        return (header with { ContextEngineId = engine, ContextName = System.Text.Encoding.UTF8.GetString(name.Span), EncryptedPdu = null }, pdu);
    }

    /// <summary>Decodes a decrypted scoped PDU; trailing bytes (the cipher's padding) are allowed.</summary>
    internal static bool TryDecodeScopedPdu(ReadOnlyMemory<byte> plain, SnmpV3Header header, out SnmpV3Header scoped, out SnmpPdu? pdu, out string? error)
    {
        scoped = header;
        pdu = null;
        error = null;
        try
        {
            (scoped, pdu) = ReadScopedPdu(new AsnReader(plain, AsnEncodingRules.BER), header);
            return true;
        }
        catch (FormatError ex) { error = ex.Message; }
        catch (AsnContentException) { error = "malformed BER in the decrypted PDU (wrong privacy password?)"; }
        return false;
    }

    private static SnmpPdu ReadPdu(AsnReader msg)
    {
        if (!msg.HasData) throw new FormatError("no PDU");
        var tag = msg.PeekTag();
        if (tag.TagClass != TagClass.ContextSpecific || !tag.IsConstructed || tag.TagValue > 8)
            throw new FormatError("not a PDU where the PDU should be");
        if (tag.TagValue == (int)PduType.TrapV1) throw new FormatError("an SNMPv1 Trap-PDU (not supported)");
        var p = msg.ReadSequence(tag);
        var requestId = ReadInt32(p, "request-id");
        var status = ReadInt32(p, "error-status");
        var index = ReadInt32(p, "error-index");
        var list = p.ReadSequence();
        if (p.HasData) throw new FormatError("bytes after the varbind list");
        var varbinds = new List<VarBind>();
        while (list.HasData)
        {
            var vb = list.ReadSequence();
            var oid = ReadOid(vb);
            var value = ReadValue(vb);
            if (vb.HasData) throw new FormatError("bytes after a varbind's value");
            varbinds.Add(new VarBind(oid, value));
        }
        return new SnmpPdu { Type = (PduType)tag.TagValue, RequestId = requestId, ErrorStatusCode = status, ErrorIndex = index, VarBinds = varbinds };
    }

    private static int ReadInt32(AsnReader r, string what)
    {
        if (!r.HasData) throw new FormatError($"{what} is missing");
        if (r.PeekTag() != Asn1Tag.Integer) throw new FormatError($"{what} is not an INTEGER");
        if (!r.TryReadInt32(out var v)) throw new FormatError($"{what} does not fit 32 bits");
        return v;
    }

    private static ReadOnlyMemory<byte> ReadOctets(AsnReader r, Asn1Tag tag, string what)
    {
        if (!r.HasData) throw new FormatError($"{what} is missing");
        var actual = r.PeekTag();
        // SNMP never uses BER's constructed strings; refusing them keeps nested strings from being reassembled.
        if (actual != tag) throw new FormatError($"{what} is not a primitive {(tag.TagClass == TagClass.Universal ? "OCTET STRING" : "string")}");
        if (!r.TryReadPrimitiveOctetString(out var bytes, tag)) throw new FormatError($"{what} is not a primitive string");
        return bytes;
    }

    private static Oid ReadOid(AsnReader r)
    {
        if (!r.HasData) throw new FormatError("a varbind without an OID");
        if (r.PeekTag() != Asn1Tag.ObjectIdentifier) throw new FormatError("a varbind's name is not an OID");
        return OidFrom(r);
    }

    private static Oid OidFrom(AsnReader r)
    {
        var tlv = r.ReadEncodedValue().Span;
        AsnDecoder.ReadEncodedValue(tlv, AsnEncodingRules.BER, out var offset, out var length, out _);
        return Oid.FromContent(tlv.Slice(offset, length), out var error) ?? throw new FormatError(error!);
    }

    private static SnmpValue ReadValue(AsnReader r)
    {
        if (!r.HasData) throw new FormatError("a varbind without a value");
        var tag = r.PeekTag();
        if (tag == Asn1Tag.Integer)
            return r.TryReadInt32(out var i) ? SnmpValue.Integer(i) : throw new FormatError("an INTEGER beyond 32 bits");
        if (tag == Asn1Tag.PrimitiveOctetString)
            return SnmpValue.FromBytes(SnmpValueType.OctetString, ReadOctets(r, tag, "an OCTET STRING").ToArray());
        if (tag == Asn1Tag.Null) { r.ReadNull(); return SnmpValue.Null; }
        if (tag == Asn1Tag.ObjectIdentifier) return SnmpValue.ObjectIdentifier(OidFrom(r));
        if (tag.TagClass == TagClass.Application && !tag.IsConstructed)
        {
            switch (tag.TagValue)
            {
                case 0:
                    var ip = ReadOctets(r, tag, "an IpAddress");
                    return ip.Length == 4 ? SnmpValue.FromBytes(SnmpValueType.IpAddress, ip.ToArray()) : throw new FormatError("an IpAddress that is not 4 bytes");
                case 1: return Unsigned32(r, tag, SnmpValueType.Counter32);
                case 2: return Unsigned32(r, tag, SnmpValueType.Gauge32);
                case 3: return Unsigned32(r, tag, SnmpValueType.TimeTicks);
                case 4: return SnmpValue.FromBytes(SnmpValueType.Opaque, ReadOctets(r, tag, "an Opaque").ToArray());
                case 6:
                    return r.TryReadUInt64(out var c64, tag) ? SnmpValue.Counter64(c64) : throw new FormatError("a Counter64 beyond 64 bits");
            }
        }
        if (tag.TagClass == TagClass.ContextSpecific && !tag.IsConstructed && tag.TagValue <= 2)
        {
            r.ReadNull(tag);
            return tag.TagValue switch { 0 => SnmpValue.NoSuchObject, 1 => SnmpValue.NoSuchInstance, _ => SnmpValue.EndOfMibView };
        }
        throw new FormatError($"a value of unknown type (tag {tag.TagClass} {tag.TagValue})");
    }

    private static SnmpValue Unsigned32(AsnReader r, Asn1Tag tag, SnmpValueType type) =>
        r.TryReadUInt32(out var v, tag) ? SnmpValue.FromNumber(type, v) : throw new FormatError($"a {type} beyond 32 bits");
}
