using System.Net;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Proxies;

/// <summary>
/// sock proxy chained with dante-server (danted, a SOCKS5 server written in C, configured and started here in the
/// foreground, on loopback only): client → danted → sock proxy → target and client → sock proxy → danted → target, the
/// client opening the second hop's SOCKS5 handshake inside the first hop's tunnel.
/// </summary>
public sealed class ProxyDanteTests
{
    private sealed class Dante : IAsyncDisposable
    {
        private readonly RunningProcess _process;
        private readonly TempDirectory _dir;

        private Dante(RunningProcess process, TempDirectory dir, IPEndPoint address)
        {
            _process = process;
            _dir = dir;
            Address = address;
        }

        public IPEndPoint Address { get; }

        public static async Task<Dante> StartAsync()
        {
            var dir = new TempDirectory("sock-danted-");
            for (var attempt = 0; ; attempt++)
            {
                int port;
                using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
                {
                    probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    port = ((IPEndPoint)probe.LocalEndPoint!).Port;
                }
                var conf = dir.File("danted.conf");
                await File.WriteAllTextAsync(conf, $$"""
                    logoutput: stderr
                    internal: 127.0.0.1 port = {{port}}
                    external: 127.0.0.1
                    socksmethod: none
                    clientmethod: none
                    user.privileged: root
                    user.unprivileged: nobody
                    client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
                    socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 }
                    socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 }
                    """);
                var p = RunningProcess.Tool("danted", false, "-f", conf, "-p", dir.File("danted.pid"), "-N", "1");
                // Ready once it accepts: poll its port (bounded).
                for (var i = 0; i < 100; i++)
                {
                    if (p.Process.HasExited) break;
                    try
                    {
                        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                        await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
                        return new Dante(p, dir, new IPEndPoint(IPAddress.Loopback, port));
                    }
                    catch (SocketException)
                    {
                        await Task.Delay(100);
                    }
                }
                var stderr = string.Join(" | ", p.StderrLines);
                await p.DisposeAsync();
                if (attempt == 2) throw new InvalidOperationException($"danted did not start: {stderr}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _process.DisposeAsync();
            _dir.Dispose();
        }
    }

    /// <summary>SOCKS5 CONNECT to <paramref name="to"/> over <paramref name="s"/> (a proxy, or a tunnel through one).</summary>
    private static async Task ConnectThroughAsync(Stream s, IPEndPoint to)
    {
        Assert.Equal(0, await Socks5Bytes.GreetAsync(s));
        Assert.Equal(0, (await Socks5Bytes.RequestAsync(s, 1, to.Address.ToString(), to.Port)).Code);
    }

    private static async Task EchoThroughAsync(IPEndPoint first, IPEndPoint second, IPEndPoint target)
    {
        using var socket = await Socks5Bytes.ConnectAsync(first);
        await using var s = new NetworkStream(socket);
        await ConnectThroughAsync(s, second);
        await ConnectThroughAsync(s, target);
        var payload = new byte[1 << 20];
        Random.Shared.NextBytes(payload);
        var reading = Socks5Bytes.ReadToEndAsync(s);
        await s.WriteAsync(payload);
        socket.Shutdown(SocketShutdown.Send); // passed through both proxies to the target
        var back = await reading.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(back.AsSpan(0, payload.Length).SequenceEqual(payload), "the echo differs");
        Assert.Equal($"bytes={payload.Length}\n", Encoding.ASCII.GetString(back.AsSpan(payload.Length)));
    }

    [Fact]
    public async Task client_to_danted_to_sock_proxy_to_target()
    {
        await using var h = await ProxyHarness.StartAsync(Transports.Tcp4);
        await using var dante = await Dante.StartAsync();
        await EchoThroughAsync(dante.Address, (IPEndPoint)h.ProxyEndPoint, h.TargetEndPoint);
        var s = Assert.Single(await h.EndedAsync());
        Assert.Equal(("socks5", false), (s.Protocol, s.Refused));
    }

    [Fact]
    public async Task client_to_sock_proxy_to_danted_to_target()
    {
        await using var h = await ProxyHarness.StartAsync(Transports.Tcp4);
        await using var dante = await Dante.StartAsync();
        await EchoThroughAsync((IPEndPoint)h.ProxyEndPoint, dante.Address, h.TargetEndPoint);
        var s = Assert.Single(await h.EndedAsync());
        Assert.Equal($"127.0.0.1:{dante.Address.Port}", s.Destination);
        Assert.True(s.BytesUp > 1 << 20, $"{s.BytesUp} bytes up");
    }
}
