using System.Text.Json;
using Sock.Tests.Stun;
using Sock.Tests.Support;

namespace Sock.Tests.Peer;

/// <summary>
/// The two NAT kinds of <see cref="TwoSiteNat"/> behave as they are named: one private port seen by two destinations
/// (coturn's two addresses) under one public port through the endpoint-independent NAT, under two through the
/// port-randomising one — measured with `sock stun -p` as RFC 5780's mapping test does.
/// </summary>
public class NatMappingTests
{
    [Theory]
    [InlineData(NatMapping.EndpointIndependent)]
    [InlineData(NatMapping.PortRandomising)]
    public async Task one_private_port_maps_to_one_public_port_only_through_the_endpoint_independent_nat(NatMapping mapping)
    {
        if (TwoSiteNat.Unavailable is { } why) Assert.Fail($"the NAT topology is needed: {why}");
        Assert.True(Coturn.Installed, "coturn (turnserver) is needed for this test (test.sh installs it)");
        await using var net = await TwoSiteNat.CreateAsync(mapping, NatMapping.EndpointIndependent);
        await using var coturn = await Coturn.StartAsync([TwoSiteNat.PublicAddress, TwoSiteNat.PublicAddress2], netns: net.Public, port: 3478);
        var sourcePort = Random.Shared.Next(20000, 30000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var seen = new List<string>();
        foreach (var server in new[] { TwoSiteNat.PublicAddress, TwoSiteNat.PublicAddress2 })
        {
            var run = await ProcessRunner.RunAsync(SockRunner.Command(["stun", "--json", "-w", "10s", "-p", sourcePort, $"{server}:3478"], TwoSiteNat.In(net.HostA)));
            Assert.True(run.ExitCode == 0, run.ToString());
            using var doc = JsonDocument.Parse(run.Stdout);
            var mapped = doc.RootElement.GetProperty("mapped").GetString()!;
            Assert.StartsWith($"{TwoSiteNat.NatPublicA}:", mapped);
            Assert.Equal($"{TwoSiteNat.PrivateA}:{sourcePort}", doc.RootElement.GetProperty("local").GetString());
            seen.Add(mapped);
        }
        if (mapping == NatMapping.EndpointIndependent) Assert.Equal(seen[0], seen[1]);
        else Assert.NotEqual(seen[0], seen[1]);
    }
}
