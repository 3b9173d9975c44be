using System.Net;
using Sock.Cli.Rendering;
using Sock.Core.Icmp;

namespace Sock.Tests.Icmp;

/// <summary>ICMP messages built and read byte by byte, the Internet checksum, and iputils' arithmetic and number formats.</summary>
public class IcmpMessageTests
{
    [Fact]
    public void checksum_is_rfc_1071s_example()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2, whose complement is 220d.
        Assert.Equal(0x220d, InternetChecksum.Compute([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]));
    }

    [Fact]
    public void checksum_taken_a_word_at_a_time_equals_rfc_1071s_sum_of_16_bit_words_for_every_length_and_offset()
    {
        // The sum is taken over 64-bit words in the machine's byte order; RFC 1071's definition is big-endian 16-bit
        // words. Every length 0..300 (odd ones end in a half word) at every alignment, with carries forced by 0xFF runs.
        var random = new Random(17);
        var buffer = new byte[400];
        for (var length = 0; length <= 300; length++)
            for (var start = 0; start < 8; start++)
            {
                random.NextBytes(buffer);
                if (length % 3 == 0) buffer.AsSpan(start, length).Fill(0xFF);
                var data = buffer.AsSpan(start, length);
                var initial = (uint)random.Next(0, 0x3FFFF);
                Assert.True(Rfc1071(data, initial) == InternetChecksum.Compute(data, initial), $"length {length}, offset {start}");
            }
    }

    private static ushort Rfc1071(ReadOnlySpan<byte> data, uint sum)
    {
        var i = 0;
        for (; i + 1 < data.Length; i += 2) sum += (uint)((data[i] << 8) | data[i + 1]);
        if (i < data.Length) sum += (uint)(data[i] << 8);
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    [Fact]
    public void echo_request_carries_a_checksum_that_verifies_and_parses_back()
    {
        var packet = new byte[64];
        var payload = Enumerable.Range(0, 56).Select(i => (byte)i).ToArray();
        var length = IcmpMessage.WriteEchoRequest(packet, false, 0x1234, 7, payload);
        Assert.Equal(64, length);
        Assert.Equal(0, InternetChecksum.Compute(packet));
        var m = IcmpMessage.Parse(packet, false, verifyChecksum: true)!.Value;
        Assert.True(m.IsEchoRequest);
        Assert.Equal(0x1234, m.Identifier);
        Assert.Equal(7, m.Sequence);
        Assert.True(m.ChecksumValid);
        packet[20] ^= 0xFF;
        Assert.False(IcmpMessage.Parse(packet, false, verifyChecksum: true)!.Value.ChecksumValid);
    }

    [Fact]
    public void time_exceeded_gives_the_quoted_requests_destination_identifier_and_sequence()
    {
        // ICMP time exceeded: 8-byte header, then the dropped packet's IP header and its first 8 bytes (our echo header).
        var error = new byte[8 + 20 + 8];
        error[0] = 11;
        var ip = error.AsSpan(8);
        ip[0] = 0x45;
        ip[9] = 1; // ICMP
        new byte[] { 10, 17, 3, 2 }.CopyTo(ip[16..]);
        IcmpMessage.WriteEchoRequest(ip[20..], false, 0xBEEF, 513, []);
        var m = IcmpMessage.Parse(error, false, verifyChecksum: false)!.Value;
        Assert.True(m.IsError);
        Assert.Equal(0xBEEF, m.Identifier);
        Assert.Equal(513, m.Sequence);
        var q = IcmpMessage.QuotedEcho(error.AsSpan(8), false)!.Value;
        Assert.Equal(IPAddress.Parse("10.17.3.2"), q.Destination);
        Assert.Equal("Time to live exceeded", IcmpTypes.Describe(11, 0, 0, false));
        Assert.Equal("Destination unreachable: No route", IcmpTypes.Describe(1, 0, 0, true));
    }

    [Fact]
    public void statistics_are_iputils_arithmetic()
    {
        // iputils 20221126 printed "rtt min/avg/max/mdev = 0.044/0.060/0.091/0.021 ms" for replies of 91, 44 and 46 µs.
        var s = new PingStatistics();
        foreach (var t in new long[] { 91, 44, 46 }) s.AddRoundTrip(t);
        s.Received = 3;
        Assert.Equal("0.044/0.060/0.091/0.021",
            $"{PingPrinter.Micros(s.MinMicros)}/{PingPrinter.Micros(s.AvgMicros)}/{PingPrinter.Micros(s.MaxMicros)}/{PingPrinter.Micros(s.MdevMicros)}");
    }

    [Theory]
    [InlineData(41, "0.041")]
    [InlineData(999, "0.999")]
    [InlineData(1234, "1.23")]
    [InlineData(12345, "12.3")]
    [InlineData(123456, "123")]
    public void reply_times_are_printed_with_iputils_precision(long micros, string text) => Assert.Equal(text, PingPrinter.RoundTrip(micros));

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(20.0, "20")]
    [InlineData(100.0 / 3, "33.3333")]
    [InlineData(100.0, "100")]
    public void loss_is_printed_as_c_percent_g(double percent, string text) => Assert.Equal(text, PingPrinter.LossText(percent));
}
