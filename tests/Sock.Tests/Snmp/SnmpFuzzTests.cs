using Sock.Core.Snmp;

namespace Sock.Tests.Snmp;

/// <summary>Mutated valid packets and random bytes: the decoder answers true or false, never throws, and stays small.</summary>
public sealed class SnmpFuzzTests
{
    private static List<byte[]> Seeds()
    {
        var values = SnmpCodecTests.ValueSpecs.Select(SnmpCodecTests.Make).ToList();
        var seeds = new List<byte[]>();
        foreach (var type in Enum.GetValues<PduType>().Where(t => t != PduType.TrapV1))
            seeds.Add(new SnmpMessage
            {
                Version = SnmpVersion.V2c,
                Community = "public"u8.ToArray(),
                Pdu = new SnmpPdu
                {
                    Type = type, RequestId = 77, ErrorStatusCode = 1, ErrorIndex = 2,
                    VarBinds = values.Select((v, i) => new VarBind(Oid.Parse($"1.3.6.1.2.1.6.19.1.7.1.4.127.0.0.{i}.22"), v)).ToList(),
                },
            }.Encode());
        seeds.Add(new SnmpMessage
        {
            Version = SnmpVersion.V3,
            V3 = new SnmpV3Header { MessageId = 5, Flags = 5, EngineId = new byte[] { 0x80, 0, 0x1f, 0x88, 4, 1, 2, 3 }, UserName = "u", AuthParameters = new byte[12] },
            Pdu = SnmpPdu.Request(PduType.GetRequest, 5, [Oid.Parse("1.3.6.1.2.1.1.3.0")]),
        }.Encode());
        return seeds;
    }

    [Fact]
    public void ten_thousand_mutated_packets_never_throw()
    {
        var rng = new Random(16);
        var seeds = Seeds();
        var accepted = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            var packet = (byte[])seeds[rng.Next(seeds.Count)].Clone();
            var mutations = 1 + rng.Next(4);
            for (var m = 0; m < mutations; m++)
            {
                switch (rng.Next(5))
                {
                    case 0: packet[rng.Next(packet.Length)] = (byte)rng.Next(256); break;
                    case 1: packet[rng.Next(packet.Length)] ^= (byte)(1 << rng.Next(8)); break;
                    case 2: packet = packet[..rng.Next(packet.Length)]; break;
                    case 3: packet[rng.Next(packet.Length)] = (byte)(0x80 | rng.Next(5)); break; // long-form lengths
                    default:
                        var at = rng.Next(packet.Length);
                        packet = [.. packet[..at], .. packet[at..].AsSpan(0, Math.Min(packet.Length - at, 8)), .. packet[at..]];
                        break;
                }
                if (packet.Length == 0) break;
            }
            if (SnmpMessage.TryDecode(packet, out var message, out var error))
            {
                accepted++;
                // Whatever decodes can be encoded again.
                Assert.NotEmpty(message!.Encode());
            }
            else Assert.False(string.IsNullOrEmpty(error));
        }
        // Bounded memory: decoding allocates in proportion to the input, never to what lengths claim.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 400L * 1024 * 1024);
        Assert.InRange(accepted, 1, 9_999);
    }

    [Fact]
    public void random_datagrams_are_refused_without_throwing()
    {
        var rng = new Random(1601);
        for (var i = 0; i < 10_000; i++)
        {
            var packet = new byte[rng.Next(0, 600)];
            rng.NextBytes(packet);
            if (packet.Length > 0 && rng.Next(2) == 0) packet[0] = 0x30;
            _ = SnmpMessage.TryDecode(packet, out _, out _);
        }
    }
}
