using System.Net;
using Sock.Core.Snmp;

namespace Sock.Tests.Snmp;

/// <summary>The agent's request handling in process, over a fixed view: what it answers and what it drops.</summary>
public sealed class SnmpAgentTests
{
    private static readonly IPEndPoint Peer = new(IPAddress.Loopback, 40000);

    private static SnmpAgent Agent(int maxSize = 1472) => new(new SnmpAgentOptions { Communities = ["public"], MaxMessageSize = maxSize }, b =>
    {
        b.Scalar(Oid.Parse("1.3.6.1.2.1.1.1"), SnmpValue.OctetString("test agent"));
        b.Scalar(Oid.Parse("1.3.6.1.2.1.1.3"), SnmpValue.TimeTicks(42));
        for (uint i = 1; i <= 300; i++) b.Cell(Oid.Parse("1.3.6.1.2.1.6.20.1.4"), [1, 4, 127, 0, 0, 1, i], SnmpValue.Gauge32(i));
        b.Scalar(Oid.Parse("1.3.6.1.2.1.6.17"), SnmpValue.Counter64(1UL << 40));
        return b.Build();
    });

    private static SnmpPdu Ask(SnmpAgent agent, SnmpVersion version, SnmpPdu pdu)
    {
        var reply = agent.Handle(SnmpMessage.ForCommunity(version, "public", pdu).Encode(), Peer);
        Assert.NotNull(reply);
        Assert.True(SnmpMessage.TryDecode(reply, out var m, out var error), error);
        Assert.Equal(version, m!.Version);
        return m.Pdu;
    }

    [Fact]
    public void getnext_walks_in_lexicographic_order_to_end_of_mib_view()
    {
        var agent = Agent();
        var oid = Oid.Parse("1.3");
        var seen = new List<Oid>();
        for (var i = 0; i < 1000; i++)
        {
            var vb = Assert.Single(Ask(agent, SnmpVersion.V2c, SnmpPdu.Request(PduType.GetNextRequest, i, [oid])).VarBinds);
            if (vb.Value.Type == SnmpValueType.EndOfMibView) break;
            Assert.True(vb.Oid > oid);
            seen.Add(oid = vb.Oid);
        }
        Assert.Equal(303, seen.Count);
    }

    [Fact]
    public void v1_getnext_passes_over_counter64_and_ends_with_no_such_name()
    {
        var agent = Agent();
        var v1 = Ask(agent, SnmpVersion.V1, SnmpPdu.Request(PduType.GetNextRequest, 1, [Oid.Parse("1.3.6.1.2.1.6.16")]));
        Assert.Equal("1.3.6.1.2.1.6.20.1.4.1.4.127.0.0.1.1", Assert.Single(v1.VarBinds).Oid.ToString());
        var last = Ask(agent, SnmpVersion.V1, SnmpPdu.Request(PduType.GetNextRequest, 1, [Oid.Parse("1.3.6.1.2.1.6.20.1.4.1.4.127.0.0.1.300")]));
        Assert.Equal(SnmpErrorStatus.NoSuchName, last.ErrorStatus);
        Assert.Equal(1, last.ErrorIndex);
        var v2 = Ask(agent, SnmpVersion.V2c, SnmpPdu.Request(PduType.GetNextRequest, 1, [Oid.Parse("1.3.6.1.2.1.6.16")]));
        Assert.Equal(SnmpValueType.Counter64, Assert.Single(v2.VarBinds).Value.Type);
    }

    [Fact]
    public void getbulk_repeats_and_stops_when_every_repeater_has_ended()
    {
        var agent = Agent();
        var pdu = Ask(agent, SnmpVersion.V2c, SnmpPdu.GetBulk(5, 1, 3, [Oid.Parse("1.3.6.1.2.1.1.1"), Oid.Parse("1.3.6.1.2.1.6.20.1.4.1.4.127.0.0.1.299")]));
        // The repeater's second repetition is endOfMibView at the last OID; every repeater has ended, so the third is not sent.
        Assert.Equal(["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.6.20.1.4.1.4.127.0.0.1.300", "1.3.6.1.2.1.6.20.1.4.1.4.127.0.0.1.300"], pdu.VarBinds.Select(v => v.Oid.ToString()));
        Assert.Equal(SnmpValueType.EndOfMibView, pdu.VarBinds[2].Value.Type);
    }

    [Theory]
    [InlineData(484)]
    [InlineData(1472)]
    [InlineData(4000)]
    public void getbulk_is_trimmed_to_whole_varbinds_within_the_max_size(int max)
    {
        var agent = Agent(max);
        var reply = agent.Handle(SnmpMessage.ForCommunity(SnmpVersion.V2c, "public", SnmpPdu.GetBulk(1, 0, 1000, [Oid.Parse("1.3.6.1.2.1.6.20")])).Encode(), Peer)!;
        Assert.InRange(reply.Length, max - 60, max);
        Assert.True(SnmpMessage.TryDecode(reply, out var m, out _));
        Assert.Equal(SnmpErrorStatus.NoError, m!.Pdu.ErrorStatus);
    }

    [Fact]
    public void wrong_community_and_non_requests_are_dropped_and_counted()
    {
        var agent = Agent();
        Assert.Null(agent.Handle(SnmpMessage.ForCommunity(SnmpVersion.V2c, "private", SnmpPdu.Request(PduType.GetRequest, 1, [Oid.Parse("1.3.6.1.2.1.1.3.0")])).Encode(), Peer));
        Assert.Null(agent.Handle(SnmpMessage.ForCommunity(SnmpVersion.V2c, "public", new SnmpPdu { Type = PduType.Response }).Encode(), Peer));
        Assert.Null(agent.Handle(new byte[] { 0x30, 0x03, 0x02, 0x01 }, Peer));
        Assert.Equal(1, agent.Counters.BadCommunity);
        Assert.Equal(1, agent.Counters.Silent);
        Assert.Equal(1, agent.Counters.Malformed);
        Assert.Equal(3, agent.Counters.InPackets);
        Assert.Equal(0, agent.Counters.OutPackets);
    }

    [Fact]
    public void mutated_requests_never_throw_and_answers_never_exceed_the_max_size()
    {
        var agent = Agent(484);
        var rng = new Random(484);
        var seeds = new[]
        {
            SnmpMessage.ForCommunity(SnmpVersion.V2c, "public", SnmpPdu.GetBulk(7, 1, 5, [Oid.Parse("1.3.6.1.2.1.1.3"), Oid.Parse("1.3.6.1.2.1.6")])).Encode(),
            SnmpMessage.ForCommunity(SnmpVersion.V1, "public", SnmpPdu.Request(PduType.GetNextRequest, 8, [Oid.Parse("1.3.6.1.2.1.1.3"), Oid.Parse("1.3.6.1.2.1.6")])).Encode(),
            SnmpMessage.ForCommunity(SnmpVersion.V2c, "public", SnmpPdu.Request(PduType.GetRequest, 9, [Oid.Parse("1.3.6.1.2.1.1.1.0")])).Encode(),
        };
        var answered = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var packet = (byte[])seeds[i % seeds.Length].Clone();
            for (var m = 0; m < 1 + rng.Next(3); m++) packet[rng.Next(packet.Length)] = (byte)rng.Next(256);
            var reply = agent.Handle(packet, Peer);
            if (reply is null) continue;
            answered++;
            Assert.True(reply.Length <= 484);
        }
        Assert.InRange(answered, 1, 10_000);
    }
}
