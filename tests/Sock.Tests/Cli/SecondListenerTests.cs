using System.Net;
using System.Net.Sockets;
using Sock.Core.Inspection;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Cli;

/// <summary>
/// Two servers on one port: the second is refused, naming the first one's process, as ncat and socat are refused.
/// .NET's ReuseAddress option sets SO_REUSEPORT as well on Linux, with which two sock servers both bound the port and
/// split its clients between them; sock sets SO_REUSEADDR alone.
/// </summary>
public class SecondListenerTests
{
    public static TheoryData<string, string> EveryListener()
    {
        var data = new TheoryData<string, string>();
        foreach (var command in new[] { "listen", "listen -k", "serve", "bench --server" })
            foreach (var transport in new[] { Transports.Tcp4, Transports.Tcp6, Transports.Udp4, Transports.Udp6 })
                data.Add(command, transport);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryListener))]
    public async Task a_second_listener_on_the_port_fails_naming_the_first_ones_pid(string command, string transport)
    {
        var udp = transport is Transports.Udp4 or Transports.Udp6;
        var address = transport is Transports.Tcp6 or Transports.Udp6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        var port = FreePort(address);
        await using var first = RunningProcess.Sock(Args(command, udp, address, port));
        await WaitUntilHeldAsync(first, port, udp);

        var second = await SockRunner.RunAsync(Args(command, udp, address, port), timeout: TimeSpan.FromSeconds(30));

        Assert.True(second.ExitCode == 1, second.ToString());
        var line = Assert.Single(second.StderrLines);
        Assert.Contains("address already in use", line);
        Assert.Contains("held by ", line);
        Assert.Contains($"sock (pid {first.Process.Id})", line);
        Assert.DoesNotContain(" at ", line);
    }

    [Fact]
    public async Task reuseport_is_set_only_when_asked_and_traced_as_what_it_is()
    {
        var port = FreePort(IPAddress.Loopback);
        string[] serve = ["--trace", "serve", "echo", "--bind", "127.0.0.1", "--port", port.ToString(), "--tcp"];
        await using var first = RunningProcess.Sock([.. serve, "--reuseport"]);
        await WaitUntilHeldAsync(first, port, udp: false);
        Assert.Contains(first.StderrLines, l => l.Contains("SO_REUSEADDR, 1)"));
        Assert.Contains(first.StderrLines, l => l.Contains("SO_REUSEPORT, 1)"));

        // A second server that does not ask to share is refused; one that asks too shares the port.
        var refused = await SockRunner.RunAsync(serve, timeout: TimeSpan.FromSeconds(30));
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains(refused.StderrLines, l => l.Contains("setsockopt") && l.Contains("SO_REUSEADDR, 1)"));
        Assert.DoesNotContain(refused.StderrLines, l => l.Contains("SO_REUSEPORT"));
        await using var sharer = RunningProcess.Sock([.. serve, "--reuseport"]);
        await WaitUntilHeldAsync(sharer, port, udp: false);
    }

    private static string[] Args(string command, bool udp, IPAddress address, int port)
    {
        var a = address.ToString();
        var p = port.ToString();
        return command switch
        {
            "listen" => udp ? ["listen", "-u", a, p] : ["listen", a, p],
            "listen -k" => udp ? ["listen", "-k", "-u", a, p] : ["listen", "-k", a, p],
            "serve" => ["serve", "echo", "--bind", a, "--port", p, udp ? "--udp" : "--tcp"],
            "bench --server" => udp ? ["bench", "--server", "--udp", "-B", a, p] : ["bench", "--server", "-B", a, p],
            _ => throw new ArgumentOutOfRangeException(nameof(command)),
        };
    }

    /// <summary>A port free for both TCP and UDP on <paramref name="address"/> (bench --server --udp takes both).</summary>
    private static int FreePort(IPAddress address)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var tcp = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(address, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            using var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(address, port));
                return port;
            }
            catch (SocketException) { }
        }
        throw new InvalidOperationException("no port free for both TCP and UDP in 20 tries");
    }

    /// <summary>Waits (at most 30 s) until the kernel's table shows <paramref name="first"/> holding the port.</summary>
    private static async Task WaitUntilHeldAsync(RunningProcess first, int port, bool udp)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (first.Process.HasExited)
                throw new InvalidOperationException($"the first listener exited ({first.Process.ExitCode}): {string.Join(" | ", first.StderrLines)}");
            var holders = PortHolders.Find(port, udp ? SocketKinds.Udp : SocketKinds.Tcp, out _);
            if (holders.SelectMany(h => h.Owners).Any(o => o.Pid == first.Process.Id)) return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"the first listener did not bind port {port}: {string.Join(" | ", first.StderrLines)}");
    }
}
