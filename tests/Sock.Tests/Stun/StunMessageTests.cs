using System.Net;
using Sock.Core.Stun;

namespace Sock.Tests.Stun;

public class StunMessageTests
{
    // RFC 5769 §2.2 and §2.3: the sample Binding responses (their MESSAGE-INTEGRITY is read as an unknown attribute).
    private static readonly byte[] Rfc5769Ipv4Response = Convert.FromHexString(
        "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220" +
        "00200008" + "0001a147e112a643" +
        "00080014" + "2b91f599fd9e90c38c7489f92af9ba53f06be7d7" +
        "80280004c07d4c96");

    private static readonly byte[] Rfc5769Ipv6Response = Convert.FromHexString(
        "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220" +
        "00200014" + "0002a1470113a9faa5d3f179bc25f4b5bed2b9d9" +
        "00080014" + "a382954e4be67bf11784c97c8292c275bfe3ed41" +
        "80280004c8fb0b4c");

    [Fact]
    public void decodes_the_rfc5769_ipv4_response_with_its_fingerprint()
    {
        Assert.True(StunMessage.TryDecode(Rfc5769Ipv4Response, out var m, out var error), error);
        Assert.Equal(StunClass.SuccessResponse, m!.Class);
        Assert.Equal(StunMessageType.BindingMethod, m.Method);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), m.XorMappedAddress);
        Assert.Equal("test vector", m.Software);
        Assert.True(m.HasFingerprint);
        Assert.Equal([(ushort)0x0008], m.UnknownRequired);
    }

    [Fact]
    public void decodes_the_rfc5769_ipv6_response_with_its_fingerprint()
    {
        Assert.True(StunMessage.TryDecode(Rfc5769Ipv6Response, out var m, out var error), error);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853), m!.XorMappedAddress);
        Assert.True(m.HasFingerprint);
    }

    [Fact]
    public void a_flipped_bit_fails_the_fingerprint()
    {
        var copy = (byte[])Rfc5769Ipv4Response.Clone();
        copy[30] ^= 0x01; // inside SOFTWARE
        Assert.False(StunMessage.TryDecode(copy, out _, out var error));
        Assert.Contains("FINGERPRINT", error);
    }

    [Theory]
    [InlineData(StunClass.Request, 0x0001)]
    [InlineData(StunClass.Indication, 0x0011)]
    [InlineData(StunClass.SuccessResponse, 0x0101)]
    [InlineData(StunClass.ErrorResponse, 0x0111)]
    public void binding_types_are_the_rfcs_numbers(StunClass @class, int type)
    {
        Assert.Equal((ushort)type, StunMessageType.Compose(StunMessageType.BindingMethod, @class));
        Assert.Equal(@class, StunMessageType.ClassOf((ushort)type));
        Assert.Equal(StunMessageType.BindingMethod, StunMessageType.MethodOf((ushort)type));
    }

    [Theory]
    [InlineData("203.0.113.7", 40123)]
    [InlineData("2001:db8::7", 1)]
    [InlineData("::ffff:198.51.100.2", 65535)]
    public void every_attribute_survives_a_round_trip(string address, int port)
    {
        var ep = new IPEndPoint(IPAddress.Parse(address), port);
        var expected = new IPEndPoint(ep.Address.IsIPv4MappedToIPv6 ? ep.Address.MapToIPv4() : ep.Address, port);
        var m = new StunMessage(StunMessageType.BindingMethod, StunClass.ErrorResponse, StunMessage.NewTransactionId())
        {
            XorMappedAddress = ep, MappedAddress = ep, ResponseOrigin = ep, OtherAddress = ep,
            ChangeIp = true, ChangePort = true, ResponsePort = 4242,
            ErrorCode = 420, ErrorReason = "Unknown Attribute", UnknownAttributes = [0x0042, 0x7fff],
            Software = "sock test ✓",
        };
        foreach (var fingerprint in new[] { true, false })
        {
            var bytes = m.Encode(fingerprint);
            Assert.Equal(0, bytes.Length % 4);
            Assert.True(StunMessage.TryDecode(bytes, out var d, out var error), error);
            Assert.Equal(m.TransactionId, d!.TransactionId);
            Assert.Equal(expected, d.XorMappedAddress);
            Assert.Equal(expected, d.MappedAddress);
            Assert.Equal(expected, d.ResponseOrigin);
            Assert.Equal(expected, d.OtherAddress);
            Assert.True(d.ChangeIp && d.ChangePort);
            Assert.Equal((ushort)4242, d.ResponsePort);
            Assert.Equal(420, d.ErrorCode);
            Assert.Equal("Unknown Attribute", d.ErrorReason);
            Assert.Equal([(ushort)0x0042, (ushort)0x7fff], d.UnknownAttributes);
            Assert.Equal("sock test ✓", d.Software);
            Assert.Equal(fingerprint, d.HasFingerprint);
            Assert.Empty(d.UnknownRequired);
        }
    }

    [Fact]
    public void the_xor_mapped_address_is_not_sent_in_the_clear()
    {
        var ep = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853);
        var bytes = new StunMessage(StunMessageType.BindingMethod, StunClass.SuccessResponse, StunMessage.NewTransactionId()) { XorMappedAddress = ep }.Encode(false);
        Assert.Equal(Convert.FromHexString("0001a147e112a643"), bytes.AsSpan(24, 8).ToArray());
    }

    [Fact]
    public void every_truncation_is_refused_without_throwing()
    {
        for (var n = 0; n < Rfc5769Ipv6Response.Length; n++)
            Assert.False(StunMessage.TryDecode(Rfc5769Ipv6Response.AsSpan(0, n), out _, out var error), $"{n} bytes decoded");
    }

    [Fact]
    public void random_and_mutated_input_never_throws()
    {
        var random = new Random(19);
        var request = StunMessage.BindingRequest();
        request.ChangeIp = true;
        var seeds = new[] { Rfc5769Ipv4Response, Rfc5769Ipv6Response, request.Encode(false) };
        for (var i = 0; i < 20_000; i++)
        {
            var data = (byte[])seeds[i % seeds.Length].Clone();
            // Keep the header plausible most of the time so mutations reach the attribute parser.
            for (var k = random.Next(1, 4); k > 0; k--) data[random.Next(i % 2 == 0 ? 20 : 0, data.Length)] = (byte)random.Next(256);
            StunMessage.TryDecode(data, out _, out _);
            StunServer.Answer(data, new IPEndPoint(IPAddress.Loopback, 1), null);
            var noise = new byte[random.Next(0, 80)];
            random.NextBytes(noise);
            StunMessage.TryDecode(noise, out _, out _);
        }
    }

    [Fact]
    public void an_attribute_running_past_the_end_is_refused()
    {
        var bytes = StunMessage.BindingRequest().Encode(false).Concat(new byte[] { 0x80, 0x22, 0x00, 0x40, 1, 2, 3, 4 }).ToArray();
        bytes[3] = 8;
        Assert.False(StunMessage.TryDecode(bytes, out _, out var error));
        Assert.Contains("runs past the end", error);
    }

    [Fact]
    public void framing_reads_the_length_from_the_header()
    {
        var bytes = Rfc5769Ipv4Response;
        Assert.Equal(bytes.Length, StunMessage.FramedLength(bytes));
        Assert.Null(StunMessage.FramedLength("GET / HTTP/1.1\r\nHost: x\r\n"u8));
    }

    [Fact]
    public void retransmission_follows_rfc8489_defaults()
    {
        var s = new StunRetransmission();
        Assert.Equal(new[] { 0, 500, 1500, 3500, 7500, 15500, 31500 }, s.SendTimes.Select(t => (int)t.TotalMilliseconds));
        Assert.Equal(TimeSpan.FromMilliseconds(39500), s.GiveUpAfter);
    }

    [Fact]
    public void the_server_answers_a_binding_request_with_the_senders_address()
    {
        var request = StunMessage.BindingRequest();
        var from = new IPEndPoint(IPAddress.Parse("::ffff:198.51.100.9"), 5555);
        var answer = StunServer.Answer(request.Encode(), from, new IPEndPoint(IPAddress.Loopback, 3478));
        Assert.True(StunMessage.TryDecode(answer, out var m, out var error), error);
        Assert.Equal(StunClass.SuccessResponse, m!.Class);
        Assert.Equal(request.TransactionId, m.TransactionId);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.9"), 5555), m.XorMappedAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 3478), m.ResponseOrigin);
        Assert.True(m.HasFingerprint);
    }

    [Fact]
    public void the_server_refuses_what_it_cannot_do()
    {
        var from = new IPEndPoint(IPAddress.Loopback, 1);
        var change = StunMessage.BindingRequest();
        change.ChangePort = true;
        Assert.True(StunMessage.TryDecode(StunServer.Answer(change.Encode(), from, null), out var m, out _));
        Assert.Equal(420, m!.ErrorCode);
        Assert.Equal([StunAttributeType.ChangeRequest], m.UnknownAttributes);

        var allocate = new StunMessage(0x003, StunClass.Request, StunMessage.NewTransactionId());
        Assert.True(StunMessage.TryDecode(StunServer.Answer(allocate.Encode(), from, null), out m, out _));
        Assert.Equal(400, m!.ErrorCode);

        // An unknown comprehension-required attribute (0x7ff0) gets 420 naming it.
        var bytes = StunMessage.BindingRequest().Encode(false).Concat(new byte[] { 0x7f, 0xf0, 0x00, 0x00 }).ToArray();
        bytes[3] = 4;
        Assert.True(StunMessage.TryDecode(StunServer.Answer(bytes, from, null), out m, out _));
        Assert.Equal(420, m!.ErrorCode);
        Assert.Equal([(ushort)0x7ff0], m.UnknownAttributes);

        var indication = new StunMessage(StunMessageType.BindingMethod, StunClass.Indication, StunMessage.NewTransactionId());
        Assert.Null(StunServer.Answer(indication.Encode(), from, null));
    }

    [Fact]
    public void the_server_answers_a_classic_rfc3489_request_in_kind()
    {
        // RFC 3489: no magic cookie, a 128-bit transaction id; the answer echoes all of it and uses MAPPED-ADDRESS only.
        var request = Convert.FromHexString("00010000" + "0123456789abcdef0011223344556677");
        var answer = StunServer.Answer(request, new IPEndPoint(IPAddress.Parse("192.0.2.5"), 7000), new IPEndPoint(IPAddress.Loopback, 3478));
        Assert.NotNull(answer);
        Assert.Equal(request.AsSpan(4, 16).ToArray(), answer.AsSpan(4, 16).ToArray());
        Assert.False(StunMessage.TryDecode(answer, out _, out _), "a client decodes only RFC 5389/8489 messages");
        Assert.True(StunMessage.TryDecode(answer, allowClassic: true, out var m, out var error), error);
        Assert.True(m!.IsClassic);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.5"), 7000), m.MappedAddress);
        Assert.Null(m.XorMappedAddress);
    }
}
