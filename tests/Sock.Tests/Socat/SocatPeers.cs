using System.Net;
using System.Net.Sockets;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Socat;

/// <summary>
/// What the socat tests share: running one socat command line under real socat or under `sock socat` (the same words),
/// the address spellings per transport, free ports, and waiting until a forwarder listens.
/// </summary>
internal static class SocatPeers
{
    /// <summary>The two programs every scenario runs under.</summary>
    public static TheoryData<string> Tools => new() { "socat", "sock" };

    /// <summary>
    /// Starts <paramref name="tool"/> (socat, or sock socat) with <paramref name="args"/>, with -t 30 unless the arguments
    /// set -t: a server or forwarder whose answer follows the peer's end (wc -c, cat) gives up on it after socat's default
    /// 0.5 s of silence, which a loaded machine can exceed; the long -t costs nothing when the answer ends the run.
    /// </summary>
    public static RunningProcess Start(string tool, params string[] args)
    {
        string[] all = args.Contains("-t") ? args : ["-t", "30", .. args];
        return tool == "socat" ? RunningProcess.Tool("socat", false, all) : RunningProcess.Sock(["socat", .. all]);
    }

    /// <summary>Runs <paramref name="tool"/> to completion with <paramref name="stdin"/>.</summary>
    public static Task<SockRun> RunAsync(string tool, string stdin, params string[] args) =>
        tool == "socat"
            ? ProcessRunner.RunAsync(["socat", .. args], stdin, TimeSpan.FromSeconds(60))
            : SockRunner.RunAsync(["socat", .. args], stdin, TimeSpan.FromSeconds(60));

    /// <summary>A port free a moment ago, on the loopback address of <paramref name="transport"/>'s family (socat cannot say which port 0 gave it).</summary>
    public static int FreePort(string transport)
    {
        var v6 = transport is Transports.Tcp6 or Transports.Udp6;
        var type = transport is Transports.Udp4 or Transports.Udp6 ? SocketType.Dgram : SocketType.Stream;
        using var s = new Socket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, type, type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp);
        s.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>socat's listening address for <paramref name="transport"/> on loopback (or the path), with <paramref name="options"/>.</summary>
    public static string Listen(string transport, int port, string? path, string options = "") => transport switch
    {
        Transports.Unix => $"UNIX-LISTEN:{path}{options}",
        Transports.Tcp6 => $"TCP6-LISTEN:{port},bind=[::1],reuseaddr{options}",
        Transports.Udp4 => $"UDP4-RECVFROM:{port},bind=127.0.0.1{options}",
        Transports.Udp6 => $"UDP6-RECVFROM:{port},bind=[::1]{options}",
        _ => $"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr{options}",
    };

    /// <summary>socat's connecting address for <paramref name="transport"/>.</summary>
    public static string Connect(string transport, int port, string? path) => transport switch
    {
        Transports.Unix => $"UNIX-CONNECT:{path}",
        Transports.Tcp6 => $"TCP6:[::1]:{port}",
        Transports.Udp4 => $"UDP4:127.0.0.1:{port}",
        Transports.Udp6 => $"UDP6:[::1]:{port}",
        _ => $"TCP:127.0.0.1:{port}",
    };

    /// <summary>Waits (at most 10 s) until something listens (stream) or is bound (datagram) where <paramref name="transport"/> says.</summary>
    public static async Task WaitReadyAsync(string transport, int port, string? path)
    {
        if (transport is not (Transports.Udp4 or Transports.Udp6))
        {
            await Net.WaitListeningAsync(transport, port, transport == Transports.Unix ? path : null);
            return;
        }
        var kind = transport == Transports.Udp6 ? Sock.Core.Inspection.SocketKinds.Udp6 : Sock.Core.Inspection.SocketKinds.Udp4;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (new Sock.Core.Inspection.ProcNetReader().Read(kind).Any(r => r.LocalPort == port)) return;
            await Task.Delay(20);
        }
        throw new TimeoutException($"nothing bound udp port {port}");
    }
}
