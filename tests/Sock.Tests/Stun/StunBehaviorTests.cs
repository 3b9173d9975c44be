using System.Text.Json;
using Sock.Tests.Peer;
using Sock.Tests.Support;

namespace Sock.Tests.Stun;

/// <summary>
/// `sock stun --behavior` (RFC 5780) from site A of <see cref="TwoSiteNat"/> against coturn on the public namespace's
/// two addresses: each NAT kind classified as it was built. Both NATs are Linux conntrack, whose filtering is on the
/// whole remote address and port (answers from coturn's other address or port are dropped by the NAT's input rule).
/// </summary>
public class StunBehaviorTests
{
    [Theory]
    [InlineData(NatMapping.EndpointIndependent, "endpoint-independent", "hole punching works", "Primary: Independent Mapping, Port Dependent Filter")]
    [InlineData(NatMapping.PortRandomising, "address-and-port-dependent", "hole punching fails", "Primary: Dependent Mapping")]
    public async Task behavior_classifies_each_nat_kind_as_built_and_as_stund_does(NatMapping kind, string mapping, string meaning, string stund)
    {
        if (TwoSiteNat.Unavailable is { } why) Assert.Fail($"the NAT topology is needed: {why}");
        Assert.True(Coturn.Installed, "coturn (turnserver) is needed for this test (test.sh installs it)");
        await using var net = await TwoSiteNat.CreateAsync(kind, NatMapping.EndpointIndependent);
        await using var coturn = await Coturn.StartAsync([TwoSiteNat.PublicAddress, TwoSiteNat.PublicAddress2], netns: net.Public, port: 3478);
        var run = await ProcessRunner.RunAsync(SockRunner.Command(["stun", "--behavior", "--json", "-w", "5s", $"{TwoSiteNat.PublicAddress}:3478"], TwoSiteNat.In(net.HostA)));
        Assert.True(run.ExitCode == 0, run.ToString() + coturn.Log);
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.Equal(mapping, root.GetProperty("mapping").GetString());
        Assert.Equal("address-and-port-dependent", root.GetProperty("filtering").GetString());
        Assert.False(root.GetProperty("answeredFromOtherAddress").GetBoolean());
        Assert.False(root.GetProperty("answeredFromOtherPort").GetBoolean());
        Assert.StartsWith($"{TwoSiteNat.NatPublicA}:", root.GetProperty("mapped").GetString());
        Assert.StartsWith($"{TwoSiteNat.PublicAddress2}:", root.GetProperty("other").GetString());
        Assert.Contains(meaning, root.GetProperty("meaning").GetString());

        var text = await ProcessRunner.RunAsync(SockRunner.Command(["stun", "--behavior", "-w", "5s", $"{TwoSiteNat.PublicAddress}:3478"], TwoSiteNat.In(net.HostA)));
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains($"mapping   {mapping}", text.Stdout);
        Assert.Contains("filtering address-and-port-dependent (no answer from the other address nor from the other port got in)", text.Stdout);

        // Debian's stun client (stund 0.97, RFC 3489's classification) says the same in its words.
        Assert.True(ExternalTool.Exists("stun"), "Debian's stun-client is needed for this test (test.sh installs it)");
        var classic = await ProcessRunner.RunAsync([.. TwoSiteNat.In(net.HostA), "stun", $"{TwoSiteNat.PublicAddress}:3478", "-v"], timeout: TimeSpan.FromSeconds(60));
        Assert.Contains(stund, classic.Stdout + classic.Stderr);
    }

    [Fact]
    public async Task behavior_without_a_second_server_address_is_one_line_naming_it()
    {
        await using var coturn = await Coturn.StartAsync([System.Net.IPAddress.Loopback]);
        var run = await SockRunner.RunAsync(["stun", "--behavior", "-w", "5s", $"127.0.0.1:{coturn.Port}"]);
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"sock: stun behavior test with 127.0.0.1:{coturn.Port}", line);
        Assert.Contains("the server has no second address (no OTHER-ADDRESS in its answer)", line);
    }
}
