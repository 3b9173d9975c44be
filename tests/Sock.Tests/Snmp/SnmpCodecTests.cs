using System.Net;
using Sock.Core.Snmp;

namespace Sock.Tests.Snmp;

public sealed class SnmpCodecTests
{
    // snmpget -v2c -c public HOST sysDescr.0 as net-snmp sends it (request-id 0x12345678), from a capture.
    private const string NetSnmpGetSysDescr = "302902010104067075626c6963a01c0204123456780201000201003"
        + "00e300c06082b060102010101000500";

    [Fact]
    public void encodes_a_v2c_get_byte_for_byte_as_net_snmp_does()
    {
        var message = SnmpMessage.ForCommunity(SnmpVersion.V2c, "public",
            SnmpPdu.Request(PduType.GetRequest, 0x12345678, [Oid.Parse("1.3.6.1.2.1.1.1.0")]));
        Assert.Equal(NetSnmpGetSysDescr, Convert.ToHexStringLower(message.Encode()));
    }

    [Fact]
    public void decodes_net_snmps_get()
    {
        Assert.True(SnmpMessage.TryDecode(Convert.FromHexString(NetSnmpGetSysDescr), out var m, out var error), error);
        Assert.Equal(SnmpVersion.V2c, m!.Version);
        Assert.Equal("public", m.CommunityText);
        Assert.Equal(PduType.GetRequest, m.Pdu.Type);
        Assert.Equal(0x12345678, m.Pdu.RequestId);
        Assert.Equal("1.3.6.1.2.1.1.1.0", Assert.Single(m.Pdu.VarBinds).Oid.ToString());
    }

    internal static readonly string[] ValueSpecs =
    [
        "int:-2147483648", "int:2147483647", "int:0", "str:", "str:hello", "null", "oid:1.3.6.1.4.1.8072.3.2.10",
        "oid:2.999.4294967295", "ip:127.0.0.1", "c32:4294967295", "g32:0", "tt:123456", "opaque:9f780442f60000",
        "c64:18446744073709551615", "c64:0", "nso", "nsi", "eom",
    ];

    public static TheoryData<string> Values => new(ValueSpecs);

    [Theory]
    [MemberData(nameof(Values))]
    public void every_value_type_round_trips_through_ber(string spec)
    {
        var value = Make(spec);
        foreach (var type in new[] { PduType.Response, PduType.TrapV2, PduType.InformRequest, PduType.Report, PduType.SetRequest })
        {
            var vb = new VarBind(Oid.Parse("1.3.6.1.2.1.1.5.0"), value);
            var sent = new SnmpMessage { Version = SnmpVersion.V2c, Community = "c"u8.ToArray(), Pdu = new SnmpPdu { Type = type, RequestId = -7, VarBinds = [vb] } };
            var bytes = sent.Encode();
            Assert.True(SnmpMessage.TryDecode(bytes, out var back, out var error), error);
            Assert.Equal(type, back!.Pdu.Type);
            Assert.Equal(-7, back.Pdu.RequestId);
            Assert.Equal(value, Assert.Single(back.Pdu.VarBinds).Value);
            // The length the agent budgets with is the length written.
            Assert.Equal(bytes.Length - (sent with { Pdu = sent.Pdu with { VarBinds = [] } }).Encode().Length, Sock.Core.Snmp.SnmpCodec.EncodedLength(vb));
        }
    }

    [Fact]
    public void get_bulk_carries_non_repeaters_and_max_repetitions()
    {
        var m = SnmpMessage.ForCommunity(SnmpVersion.V2c, "public", SnmpPdu.GetBulk(1, 1, 25, [Oid.Parse("1.3.6.1.2.1.1.3"), Oid.Parse("1.3.6.1.2.1.6.19")]));
        Assert.True(SnmpMessage.TryDecode(m.Encode(), out var back, out _));
        Assert.Equal(PduType.GetBulkRequest, back!.Pdu.Type);
        Assert.Equal(1, back.Pdu.NonRepeaters);
        Assert.Equal(25, back.Pdu.MaxRepetitions);
    }

    [Fact]
    public void v1_messages_carry_version_0()
    {
        var bytes = SnmpMessage.ForCommunity(SnmpVersion.V1, "public", SnmpPdu.Request(PduType.GetNextRequest, 9, [Oid.Parse("1.3")])).Encode();
        Assert.Equal(0, bytes[4]);
        Assert.True(SnmpMessage.TryDecode(bytes, out var back, out _));
        Assert.Equal(SnmpVersion.V1, back!.Version);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("3029020101", "BER")] // truncated: the sequence claims 41 bytes
    [InlineData("3003020205", "BER")] // an inner length longer than its container
    [InlineData("30030201050000", "after")] // trailing bytes
    [InlineData("3003020102", "version")] // version 2 does not exist
    [InlineData("300b02010104067075626c6963", "PDU")] // no PDU
    [InlineData("3081", "BER")] // a length cut off
    [InlineData("30840000000a020101", "BER")] // a 4-byte length far beyond the data
    public void malformed_messages_are_refused_with_a_reason(string hex, string reason)
    {
        Assert.False(SnmpMessage.TryDecode(Convert.FromHexString(hex), out var m, out var error));
        Assert.Null(m);
        Assert.Contains(reason, error!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void an_integer_beyond_32_bits_is_refused()
    {
        var bytes = Packet(vbValue: "0209" + "7f" + new string('f', 16));
        Assert.False(SnmpMessage.TryDecode(bytes, out _, out var error));
        Assert.Contains("32 bits", error!, StringComparison.Ordinal);
    }

    [Fact]
    public void a_huge_integer_of_thousands_of_bytes_is_refused()
    {
        var bytes = Packet(vbValue: "02820fa0" + "7f" + new string('f', 3999 * 2));
        Assert.False(SnmpMessage.TryDecode(bytes, out _, out var error));
        Assert.Contains("32 bits", error!, StringComparison.Ordinal);
    }

    [Fact]
    public void an_oid_of_10000_arcs_is_refused_before_it_is_built()
    {
        var content = "2b" + string.Concat(Enumerable.Repeat("01", 9998));
        var oid = "06822710" + content;
        var vb = oid + "0500";
        var bytes = PacketWithVarBind(vb);
        Assert.False(SnmpMessage.TryDecode(bytes, out _, out var error));
        Assert.Contains("128 arcs", error!, StringComparison.Ordinal);
    }

    [Fact]
    public void an_oid_arc_beyond_32_bits_is_refused()
    {
        Assert.False(SnmpMessage.TryDecode(PacketWithVarBind("06072b9080808000" + "0500"), out _, out var error));
        Assert.Contains("32 bits", error!, StringComparison.Ordinal);
    }

    [Fact]
    public void a_nesting_bomb_is_refused_without_recursion()
    {
        // 30,000 nested indefinite-length SEQUENCEs where the value should be: BER allows the shape, SNMP does not.
        var depth = 30_000;
        var bomb = new byte[depth * 2 + depth * 2];
        for (var i = 0; i < depth; i++) { bomb[2 * i] = 0x30; bomb[2 * i + 1] = 0x80; }
        var message = Convert.FromHexString("3080020101040170a080020101020100020100308030800603010203")
            .Concat(bomb).ToArray();
        Assert.False(SnmpMessage.TryDecode(message, out _, out var error));
        Assert.NotNull(error);
        // And definite-length nesting, as deep as a datagram allows.
        var nested = new List<byte>();
        for (var i = 0; i < 16000; i++) nested.InsertRange(0, new byte[] { 0x30, 0x84, 0, 0, 0, 0 });
        Assert.False(SnmpMessage.TryDecode(nested.ToArray(), out _, out error));
    }

    [Fact]
    public void constructed_octet_strings_are_refused()
    {
        var bytes = Convert.FromHexString("300e020101" + "2407" + "0403707562" + "0400" + "a000");
        Assert.False(SnmpMessage.TryDecode(bytes, out _, out var error));
        Assert.Contains("primitive", error!, StringComparison.Ordinal);
    }

    private static byte[] Packet(string vbValue) => PacketWithVarBind("06082b06010201010100" + vbValue);

    private static byte[] PacketWithVarBind(string vbHex)
    {
        var vb = Tlv("30", vbHex);
        var list = Tlv("30", vb);
        var pdu = Tlv("a2", "020101020100020100" + list);
        return Convert.FromHexString(Tlv("30", "020101" + "040170" + pdu));
    }

    private static string Tlv(string tag, string contentHex)
    {
        var n = contentHex.Length / 2;
        var len = n < 0x80 ? n.ToString("x2") : n < 0x100 ? "81" + n.ToString("x2") : "82" + n.ToString("x4");
        return tag + len + contentHex;
    }

    internal static SnmpValue Make(string spec)
    {
        var colon = spec.IndexOf(':');
        var kind = colon < 0 ? spec : spec[..colon];
        var arg = colon < 0 ? "" : spec[(colon + 1)..];
        return kind switch
        {
            "int" => SnmpValue.Integer(int.Parse(arg)),
            "str" => SnmpValue.OctetString(arg),
            "null" => SnmpValue.Null,
            "oid" => SnmpValue.ObjectIdentifier(Oid.Parse(arg)),
            "ip" => SnmpValue.IpAddress(IPAddress.Parse(arg)),
            "c32" => SnmpValue.Counter32(uint.Parse(arg)),
            "g32" => SnmpValue.Gauge32(uint.Parse(arg)),
            "tt" => SnmpValue.TimeTicks(uint.Parse(arg)),
            "opaque" => SnmpValue.Opaque(Convert.FromHexString(arg)),
            "c64" => SnmpValue.Counter64(ulong.Parse(arg)),
            "nso" => SnmpValue.NoSuchObject,
            "nsi" => SnmpValue.NoSuchInstance,
            "eom" => SnmpValue.EndOfMibView,
            _ => throw new ArgumentException(spec),
        };
    }
}
