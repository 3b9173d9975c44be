using System.Security.Cryptography;

namespace Sock.Tests.Peer;

/// <summary>
/// `sock peer --rendezvous` through real NATs (<see cref="TwoSiteNat"/>): alice in site A, bob in site B, `sock
/// rendezvous` in the public namespace. Every case checks both files by hash, both exit codes, the path line, and the
/// rendezvous' own counters.
/// </summary>
public class HolePunchTests
{
    private const string Rendezvous = "203.0.113.1:3479";

    public static TheoryData<string> Protocols => new() { "udp", "tcp" };

    private static string[] Args(string transport, string me, string them, params string[] more) =>
        ["peer", "-v", "--rendezvous", Rendezvous, "--name", me, "--to", them, transport == "udp" ? "--udp" : "--tcp", "-w", "30s", .. more];

    private static async Task<((int ExitCode, byte[] Stdout, string Stderr) A, (int ExitCode, byte[] Stdout, string Stderr) B)> RunPairAsync(
        TwoSiteNat net, string[] argsA, byte[] fromA, string[] argsB, byte[] fromB)
    {
        await using var a = PeerProcess.Start(argsA, fromA, TwoSiteNat.In(net.HostA));
        await using var b = PeerProcess.Start(argsB, fromB, TwoSiteNat.In(net.HostB));
        var ra = await a.WaitAsync(TimeSpan.FromSeconds(150));
        var rb = await b.WaitAsync(TimeSpan.FromSeconds(150));
        return (ra, rb);
    }

    private static void SameBytes(byte[] sent, byte[] received, string who, string stderr) =>
        Assert.True(SHA256.HashData(sent).AsSpan().SequenceEqual(SHA256.HashData(received)),
            $"{who} received {received.Length} bytes of {sent.Length}, not the same bytes; {stderr}");

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task two_peers_behind_endpoint_independent_nats_punch_through_and_move_16_MiB_each_way_directly(string transport)
    {
        if (TwoSiteNat.Unavailable is { } why) Assert.Fail($"the NAT topology is needed: {why}");
        await using var net = await TwoSiteNat.CreateAsync(NatMapping.EndpointIndependent, NatMapping.EndpointIndependent);
        await using var rendezvous = await RendezvousProcess.StartAsync(["3479"], TwoSiteNat.In(net.Public));
        var fromA = RandomNumberGenerator.GetBytes(16 << 20);
        var fromB = RandomNumberGenerator.GetBytes(16 << 20);
        var (a, b) = await RunPairAsync(net, Args(transport, "alice", "bob"), fromA, Args(transport, "bob", "alice"), fromB);
        Assert.True(a.ExitCode == 0, $"alice exit {a.ExitCode}: {a.Stderr}\nrendezvous: {rendezvous.Stderr}");
        Assert.True(b.ExitCode == 0, $"bob exit {b.ExitCode}: {b.Stderr}\nrendezvous: {rendezvous.Stderr}");
        SameBytes(fromB, a.Stdout, "alice", a.Stderr);
        SameBytes(fromA, b.Stdout, "bob", b.Stderr);
        var proto = transport.ToUpperInvariant();
        // Each reaches the other's NAT at the public address the rendezvous saw: the server-reflexive candidate.
        Assert.Contains($"direct via {TwoSiteNat.NatPublicB}:", a.Stderr);
        Assert.Contains($"(server-reflexive), {proto}, RTT ", a.Stderr);
        Assert.Contains($"direct via {TwoSiteNat.NatPublicA}:", b.Stderr);
        var counters = await rendezvous.StopAsync();
        Assert.Equal(1, counters.Introductions);
        Assert.Equal(0, counters.Relays);
        Assert.Equal(0, counters.Relayed);
        // Only the introduction: registrations, probes, answers — a few lines, not the 32 MiB that crossed.
        Assert.True(counters.ProtocolIn + counters.ProtocolOut < 16 * 1024, counters.Stderr);
    }

    [Fact]
    public async Task udp_through_five_percent_loss_inside_a_site_still_delivers_intact()
    {
        if (TwoSiteNat.Unavailable is { } why) Assert.Fail($"the NAT topology is needed: {why}");
        await using var net = await TwoSiteNat.CreateAsync(NatMapping.EndpointIndependent, NatMapping.EndpointIndependent);
        await net.AddLossAsync(net.HostA, 5);
        await using var rendezvous = await RendezvousProcess.StartAsync(["3479"], TwoSiteNat.In(net.Public));
        var fromA = RandomNumberGenerator.GetBytes(4 << 20);
        var fromB = RandomNumberGenerator.GetBytes(4 << 20);
        var (a, b) = await RunPairAsync(net, Args("udp", "alice", "bob"), fromA, Args("udp", "bob", "alice"), fromB);
        Assert.True(a.ExitCode == 0, $"alice exit {a.ExitCode}: {a.Stderr}");
        Assert.True(b.ExitCode == 0, $"bob exit {b.ExitCode}: {b.Stderr}");
        SameBytes(fromB, a.Stdout, "alice", a.Stderr);
        SameBytes(fromA, b.Stdout, "bob", b.Stderr);
        Assert.Contains("direct via", a.Stderr);
        // The loss was real: packets had to be sent again.
        Assert.Matches(@"bytes received, [1-9]\d* packets sent again", a.Stderr + b.Stderr);
        var counters = await rendezvous.StopAsync();
        Assert.Equal(0, counters.Relayed);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task a_port_randomising_nat_fails_with_a_line_naming_its_mapping(string transport)
    {
        if (TwoSiteNat.Unavailable is { } why) Assert.Fail($"the NAT topology is needed: {why}");
        await using var net = await TwoSiteNat.CreateAsync(NatMapping.PortRandomising, NatMapping.EndpointIndependent);
        await using var rendezvous = await RendezvousProcess.StartAsync(["3479"], TwoSiteNat.In(net.Public));
        string[] Quiet(string me, string them) => [.. Args(transport, me, them, "--checks", "2s").Where(x => x != "-v")];
        var (a, b) = await RunPairAsync(net, Quiet("alice", "bob"), [], Quiet("bob", "alice"), []);
        Assert.True(a.ExitCode == 1, $"alice exit {a.ExitCode}: {a.Stderr}\nbob: {b.Stderr}\nrendezvous: {rendezvous.Stderr}");
        Assert.True(b.ExitCode == 1, $"bob exit {b.ExitCode}: {b.Stderr}\nalice: {a.Stderr}\nrendezvous: {rendezvous.Stderr}");
        var lineA = Assert.Single(a.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var lineB = Assert.Single(b.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("sock: peer bob via 203.0.113.1:3479", lineA);
        // Alice's own NAT: her probe saw another public port than the rendezvous did.
        Assert.Contains("this side's NAT gave one local port a new public port per destination", lineA);
        Assert.Contains("address-and-port-dependent (a symmetric NAT)", lineA);
        // Bob's NAT kept its mapping; the introduction told him alice's does not.
        Assert.Contains("alice's NAT gives one local port a new public port per destination", lineB);
        Assert.Contains("--relay-ok", lineA);
        Assert.DoesNotContain("   at ", a.Stderr);
        var counters = await rendezvous.StopAsync();
        Assert.Equal(0, counters.Relayed);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task a_port_randomising_nat_with_relay_ok_on_both_sides_is_relayed_and_says_so(string transport)
    {
        if (TwoSiteNat.Unavailable is { } why) Assert.Fail($"the NAT topology is needed: {why}");
        await using var net = await TwoSiteNat.CreateAsync(NatMapping.PortRandomising, NatMapping.EndpointIndependent);
        await using var rendezvous = await RendezvousProcess.StartAsync(["3479"], TwoSiteNat.In(net.Public));
        var fromA = RandomNumberGenerator.GetBytes(1 << 20);
        var fromB = RandomNumberGenerator.GetBytes(1 << 20);
        var (a, b) = await RunPairAsync(net, Args(transport, "alice", "bob", "--checks", "2s", "--relay-ok"), fromA,
            Args(transport, "bob", "alice", "--checks", "2s", "--relay-ok"), fromB);
        Assert.True(a.ExitCode == 0, $"alice exit {a.ExitCode}: {a.Stderr}\nrendezvous: {rendezvous.Stderr}");
        Assert.True(b.ExitCode == 0, $"bob exit {b.ExitCode}: {b.Stderr}\nrendezvous: {rendezvous.Stderr}");
        SameBytes(fromB, a.Stdout, "alice", a.Stderr);
        SameBytes(fromA, b.Stdout, "bob", b.Stderr);
        Assert.Contains($"relayed via {Rendezvous} (the rendezvous), {transport.ToUpperInvariant()}", a.Stderr);
        Assert.Contains("no direct path to bob: ", a.Stderr);
        Assert.Contains($"relayed via {Rendezvous} (the rendezvous)", b.Stderr);
        var counters = await rendezvous.StopAsync();
        Assert.Equal(1, counters.Relays);
        Assert.True(counters.Relayed >= 2L << 20, counters.Stderr);
    }
}
