using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Scanning;
using Sock.Tests.Support;
using Xunit.Abstractions;

namespace Sock.Tests.Scanning;

/// <summary>sock scan --udp against the real nmap -sU (which needs root for its raw ICMP socket) on the same ports.</summary>
public class UdpProbeTests(ITestOutputHelper output)
{
    private static IPAddress FreshLoopback() =>
        new([127, (byte)Random.Shared.Next(100, 200), (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(2, 250)]);

    private static bool NmapCanScanUdp(ITestOutputHelper output)
    {
        if (!ExternalTool.Exists("nmap"))
        {
            output.WriteLine("skipped: nmap is not installed");
            return false;
        }
        if (Environment.UserName != "root")
        {
            output.WriteLine("skipped: nmap -sU needs root");
            return false;
        }
        return true;
    }

    [Fact]
    public void the_dns_payload_is_a_query_and_the_ntp_payload_a_client_request()
    {
        var dns = UdpPayloads.For(53);
        Assert.Equal(0, dns[2] & 0x80);                                         // a query
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(dns.AsSpan(4)));  // one question
        Assert.Equal([0, 16, 0, 3], dns[^4..]);                               // TXT, CHAOS
        var ntp = UdpPayloads.For(123);
        Assert.Equal(48, ntp.Length);
        Assert.Equal(3, ntp[0] & 0x07);                                        // mode 3: client
        Assert.Equal(4, (ntp[0] >> 3) & 0x07);                                 // version 4
        Assert.NotEmpty(UdpPayloads.For(7));
        Assert.Empty(UdpPayloads.For(40000));
    }

    [Fact]
    public async Task open_closed_and_silent_udp_ports_match_nmap_in_a_namespace()
    {
        if (!NmapCanScanUdp(output)) return;
        var (ns, why) = await ScanNamespace.TryCreateAsync();
        if (ns is null)
        {
            output.WriteLine($"skipped: {why}");
            return;
        }
        await using (ns)
        {
            await ns.ApplyNftAsync("""
                table inet sockscan {
                  chain input {
                    type filter hook input priority 0; policy accept;
                    udp dport 3000-3003 drop
                    udp dport 3010-3013 reject with icmp type host-unreachable
                  }
                }
                """);
            ns.EchoUdp(new IPEndPoint(ns.Inside, 3020));
            ns.EchoUdp(new IPEndPoint(ns.Inside, 3021));
            const string ports = "3000-3003,3010-3013,3020-3025";
            var nmap = await ScanNamespace.RunAsync(["nmap", "-sU", "-n", "-Pn", "-p", ports, "-oX", "-", ns.Inside.ToString()]);
            Assert.True(nmap.ExitCode == 0, nmap.Stderr);
            var sock = await ScanNamespace.RunAsync([.. SockRunner.Executable, "scan", "--udp", ns.Inside.ToString(), "-p", ports, "--all", "--json"]);
            Assert.True(sock.ExitCode == 0, sock.Stderr);
            output.WriteLine($"nmap {nmap.Elapsed.TotalSeconds:0.00}s, sock {sock.Elapsed.TotalSeconds:0.00}s");
            var expected = PortVerdicts.FromNmapXml(nmap.Stdout);
            var actual = PortVerdicts.FromSockJson(sock.Stdout);
            Assert.Equal(14, expected.Count);
            foreach (var (port, verdict) in expected)
                Assert.True(verdict.State == actual[port].State, $"port {port}: nmap {verdict.State} ({verdict.Reason}), sock {actual[port].State} ({actual[port].Reason})");
            Assert.Equal("open|filtered", actual[3000].State);
            Assert.Equal("filtered", actual[3010].State);
            Assert.Equal("open", actual[3020].State);
            Assert.Equal("closed", actual[3022].State);
        }
    }

    [Fact]
    public async Task silent_udp_ports_are_listed_as_open_filtered_as_nmap_lists_them()
    {
        if (!NmapCanScanUdp(output)) return;
        var (ns, why) = await ScanNamespace.TryCreateAsync();
        if (ns is null)
        {
            output.WriteLine($"skipped: {why}");
            return;
        }
        await using (ns)
        {
            // 3 silent ports (open|filtered), 30 closed ones (ICMP port unreachable) and one that echoes.
            await ns.ApplyNftAsync("""
                table inet sockscan {
                  chain input {
                    type filter hook input priority 0; policy accept;
                    udp dport 3100-3102 drop
                  }
                }
                """);
            ns.EchoUdp(new IPEndPoint(ns.Inside, 3103));
            const string ports = "3100-3133";
            var nmap = await ScanNamespace.RunAsync(["nmap", "-sU", "-n", "-Pn", "-p", ports, ns.Inside.ToString()]);
            Assert.True(nmap.ExitCode == 0, nmap.Stderr);
            var sock = await ScanNamespace.RunAsync([.. SockRunner.Executable, "scan", "--udp", ns.Inside.ToString(), "-p", ports]);
            Assert.True(sock.ExitCode == 0, sock.Stderr);
            output.WriteLine(nmap.Stdout);
            output.WriteLine(sock.Stdout);
            static List<string> Rows(string text) => [.. text.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^(\d+/udp)\s+(\S+)"))
                .Where(m => m.Success).Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value}")];
            static string NotShown(string text) => text.Split('\n').Single(l => l.StartsWith("Not shown: ", StringComparison.Ordinal)).Trim();
            Assert.Equal(["3100/udp open|filtered", "3101/udp open|filtered", "3102/udp open|filtered", "3103/udp open"], Rows(sock.Stdout));
            Assert.Equal(Rows(nmap.Stdout), Rows(sock.Stdout));
            Assert.Equal("Not shown: 30 closed udp ports (port-unreach)", NotShown(sock.Stdout));
            Assert.Equal(NotShown(nmap.Stdout), NotShown(sock.Stdout));
        }
    }

    [Fact]
    public async Task services_that_answer_only_a_real_request_are_found_open_as_nmap_finds_them()
    {
        var address = FreshLoopback();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var bound = new List<Socket>();
        var serving = new List<Task>();
        void Serve(int port, Func<Socket, CancellationToken, Task> service)
        {
            if (UdpResponder.TryBind(new IPEndPoint(address, port)) is { } s)
            {
                bound.Add(s);
                serving.Add(service(s, stop.Token));
            }
        }
        Serve(53, UdpResponder.DnsAsync);
        Serve(123, UdpResponder.NtpAsync);
        Serve(13, UdpResponder.DaytimeAsync);
        Serve(7, UdpResponder.EchoAsync);
        try
        {
            if (bound.Count < 4)
            {
                output.WriteLine("skipped: ports 7, 13, 53 and 123 cannot be bound here (not root, or taken)");
                return;
            }
            var sock = await SockRunner.RunAsync(["scan", "--udp", address.ToString(), "-p", "7,13,53,123,19", "--all", "--json"]);
            Assert.Equal(0, sock.ExitCode);
            var actual = PortVerdicts.FromSockJson(sock.Stdout);
            Assert.Equal("open", actual[53].State);
            Assert.Equal("open", actual[123].State);
            Assert.Equal("open", actual[13].State);
            Assert.Equal("open", actual[7].State);
            Assert.Equal("closed", actual[19].State);
            if (!NmapCanScanUdp(output)) return;
            var nmap = await ScanNamespace.RunAsync(["nmap", "-sU", "-n", "-Pn", "-p", "7,13,53,123,19", "-oX", "-", address.ToString()]);
            foreach (var (port, verdict) in PortVerdicts.FromNmapXml(nmap.Stdout))
                Assert.True(verdict.State == actual[port].State, $"port {port}: nmap {verdict.State}, sock {actual[port].State}");
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var s in bound) s.Dispose();
            await Task.WhenAll(serving);
        }
    }

    [Fact]
    public async Task a_udp_reply_is_open_and_an_icmp_port_unreachable_is_closed_on_loopback()
    {
        var address = FreshLoopback();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var echo = UdpResponder.TryBind(new IPEndPoint(address, 0))!;
        var serving = UdpResponder.EchoAsync(echo, stop.Token);
        var port = ((IPEndPoint)echo.LocalEndPoint!).Port;
        var run = await SockRunner.RunAsync(["scan", "-u", address.ToString(), "-p", $"{port - 1}-{port + 1}", "--all", "--banner", "--json"]);
        Assert.Equal(0, run.ExitCode);
        var actual = PortVerdicts.FromSockJson(run.Stdout);
        Assert.Equal(("open", "udp-response"), actual[port]);
        Assert.Equal(("closed", "port-unreach"), actual[port + 1]);
        await stop.CancelAsync();
        echo.Dispose();
        await serving;
    }
}
