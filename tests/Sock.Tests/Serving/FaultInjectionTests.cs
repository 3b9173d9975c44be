using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Serving;

/// <summary>
/// No exception escapes an I/O thread or an accept loop: every server of sock is run under peers that reset at each
/// stage — right after connect, in the middle of the first message (the TLS handshake for a TLS server), in the middle
/// of a transfer — and is then still alive and serving a well-behaved client.
/// </summary>
public class FaultInjectionTests
{
    private const int Rounds = 8;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var server in new[] { "listen -k", "serve echo", "bench --server", "listen --ssl -k -e /bin/cat" })
            foreach (var transport in new[] { Transports.Tcp4, Transports.Tcp6, Transports.Unix })
                data.Add(server, transport);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task a_server_survives_peers_that_reset_at_every_stage(string server, string transport)
    {
        using var dir = new TempDirectory("sock-fault-");
        var (process, target) = await StartAsync(server, transport, dir);
        await using var _ = process;
        var tls = server.Contains("--ssl", StringComparison.Ordinal);

        for (var round = 0; round < Rounds; round++)
        {
            // Reset at once: the accept may find the connection already gone, or its peer address unreadable.
            using (var s = await ConnectAsync(target)) s.Close(0);
            // Reset in the middle of the first message (a TLS server: in the middle of the handshake).
            using (var s = await ConnectAsync(target))
            {
                if (tls)
                {
                    var stream = new SslStream(new NetworkStream(s, ownsSocket: false), false, (_, _, _, _) => true);
                    var handshake = stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
                    await Task.WhenAny(handshake, Task.Delay(50));
                    s.Close(0);
                    await Task.WhenAny(handshake.ContinueWith(t => t.Exception, TaskScheduler.Default), Task.Delay(2000));
                }
                else
                {
                    await s.SendAsync("SOCKBENCH/1 TCP cookie="u8.ToArray());
                    s.Close(0);
                }
            }
            // Reset in the middle of a transfer: data sent, nothing read back.
            using (var s = await ConnectAsync(target))
            {
                Stream stream = new NetworkStream(s, ownsSocket: false);
                if (tls)
                {
                    var ssl = new SslStream(stream, false, (_, _, _, _) => true);
                    await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }).WaitAsync(TimeSpan.FromSeconds(20));
                    stream = ssl;
                }
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    for (var i = 0; i < 16; i++) await stream.WriteAsync(new byte[16 * 1024], cts.Token);
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException) { }
                s.Close(0);
            }
        }

        Assert.False(process.Process.HasExited, $"sock {server} died: exit {(process.Process.HasExited ? process.Process.ExitCode : 0)}, {string.Join(" | ", process.StderrLines)}");
        await AssertServesAsync(server, target, process, tls);
        Assert.False(process.Process.HasExited);
        Assert.DoesNotContain(process.StderrLines, l => l.Contains("Unhandled", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));
    }

    private static async Task<(RunningProcess Process, Target Target)> StartAsync(string server, string transport, TempDirectory dir)
    {
        var path = transport == Transports.Unix ? dir.File("s.sock") : null;
        var address = transport == Transports.Tcp6 ? "::1" : "127.0.0.1";
        if (server == "bench --server")
        {
            var port = path is null ? TlsConnectTests.FreePort(transport == Transports.Tcp6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork) : 0;
            var bench = RunningProcess.Sock(path is null ? ["bench", "--server", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-B", address] : ["bench", "--server", "-U", path]);
            await Net.WaitListeningAsync(transport, port, path);
            return (bench, new Target(transport, path is null ? address : null, port, path));
        }
        if (server == "serve echo")
        {
            var serve = RunningProcess.Sock(path is null ? ["serve", "echo", "--tcp", "--port", "0", "--bind", address] : ["serve", "echo", "--unix", path]);
            var m = await serve.WaitForStderrAsync(@"^serving echo \(RFC 862\) on \S+ (\S+)");
            return (serve, Net.TargetFrom(transport, m.Groups[1].Value, path));
        }
        var bind = path is null ? new[] { address, "0" } : ["-U", path];
        var listen = RunningProcess.Sock(["listen", "-v", .. server.Split(' ')[1..], .. bind]);
        var l = await listen.WaitForStderrAsync(@"^Listening on (\S+)");
        return (listen, Net.TargetFrom(transport, l.Groups[1].Value, path));
    }

    private static async Task<Socket> ConnectAsync(Target target)
    {
        var s = await target.ConnectAsync();
        return s;
    }

    /// <summary>A well-behaved client of each server gets its answer.</summary>
    private static async Task AssertServesAsync(string server, Target target, RunningProcess process, bool tls)
    {
        switch (server)
        {
            case "serve echo":
            {
                using var s = await target.ConnectAsync();
                await s.SendAsync("ping\n"u8.ToArray());
                Assert.Equal("ping\n", await Net.ReadUntilAsync(s, "\n"));
                break;
            }
            case "listen -k":
            {
                // What sock reads on stdin goes to every client: a new one hears it.
                using var s = await target.ConnectAsync();
                var heard = Net.ReadUntilAsync(s, "hello", 15);
                for (var i = 0; i < 50 && !heard.IsCompleted; i++)
                {
                    await process.Stdin.WriteAsync("hello\n"u8.ToArray());
                    await process.Stdin.FlushAsync();
                    await Task.WhenAny(heard, Task.Delay(200));
                }
                Assert.Contains("hello", await heard);
                break;
            }
            case "bench --server":
            {
                string[] where = target.Path is not null ? ["-U", target.Path] : [target.Host!, target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)];
                var run = await SockRunner.RunAsync(["bench", "throughput", .. where, "-n", "4M"], "", TimeSpan.FromSeconds(60));
                Assert.True(run.ExitCode == 0, run.ToString());
                break;
            }
            default:
            {
                Assert.True(tls);
                using var s = await target.ConnectAsync();
                using var ssl = new SslStream(new NetworkStream(s, ownsSocket: false), false, (_, _, _, _) => true);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }).WaitAsync(TimeSpan.FromSeconds(20));
                await ssl.WriteAsync("ping\n"u8.ToArray());
                var buf = new byte[5];
                await ssl.ReadExactlyAsync(buf).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
                Assert.Equal("ping\n", Encoding.ASCII.GetString(buf));
                break;
            }
        }
    }
}
