using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Sock.Core.Errors;
using Sock.Core.Inetd;
using Sock.Core.Serving;
using Sock.Core.Tls;
using Sock.Tests.Support;

namespace Sock.Tests.Serving;

/// <summary>The inetd binding as a library (<see cref="InetdServer"/>): what `sock serve` calls, with real sockets on loopback.</summary>
public sealed class InetdServerTests
{
    private sealed class Recorder : IInetdObserver
    {
        public List<InetdBinding> Listening { get; } = [];
        public List<bool> Certificates { get; } = [];
        public TaskCompletionSource<(int Open, TimeSpan Drain)> Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        void IInetdObserver.Listening(InetdBinding binding) => Listening.Add(binding);

        void IInetdObserver.Certificate(X509Certificate2 certificate, bool temporary) => Certificates.Add(temporary);

        void IInetdObserver.Stopping(int open, TimeSpan drain) => Stopped.TrySetResult((open, drain));
    }

    private static InetdOptions OnLoopback(string transport, TempDirectory dir, params string[] names) => transport switch
    {
        Transports.Tcp4 => new InetdOptions { Names = names, Port = 0, Bind = IPAddress.Loopback, TcpOnly = true },
        Transports.Tcp6 => new InetdOptions { Names = names, Port = 0, Bind = IPAddress.IPv6Loopback, TcpOnly = true },
        _ => new InetdOptions { Names = names, UnixPath = dir.File($"inetd-{Environment.ProcessId}.sock") },
    };

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task bind_reports_each_socket_once_all_are_bound_and_run_serves_until_stopped(string transport)
    {
        using var dir = new TempDirectory("sock-inetd-");
        var recorder = new Recorder();
        await using var inetd = InetdServer.Bind(OnLoopback(transport, dir, "echo", "echo"), new ServerOptions { DrainTimeout = TimeSpan.FromSeconds(2) },
            observer: recorder);
        var binding = Assert.Single(inetd.Bindings); // a name given twice runs once
        Assert.Equal(inetd.Bindings, recorder.Listening);
        Assert.Equal(("echo", transport == Transports.Unix ? "unix" : "tcp", false), (binding.Service.Name, binding.Protocol, binding.Tls));
        using var stop = new CancellationTokenSource();
        var running = inetd.RunAsync(stop.Token);
        using (var client = new Socket(binding.EndPoint.AddressFamily, SocketType.Stream, transport == Transports.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp))
        {
            await client.ConnectAsync(binding.EndPoint).WaitAsync(TimeSpan.FromSeconds(10));
            await client.SendAllAsync("ping\n"u8.ToArray());
            Assert.Equal("ping\n", Encoding.ASCII.GetString(await client.ReadExactlyAsync(5)));
        }
        await stop.CancelAsync();
        Assert.Equal(0, await running.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(TimeSpan.FromSeconds(2), (await recorder.Stopped.Task).Drain);
    }

    [Fact]
    public async Task with_tls_only_streams_are_bound_each_with_tls_and_the_temporary_certificate_is_told()
    {
        var recorder = new Recorder();
        await using var inetd = InetdServer.Bind(new InetdOptions { Names = ["echo", "daytime"], Port = 0, Bind = IPAddress.Loopback, Tls = new TlsServerOptions() },
            observer: recorder);
        Assert.Equal([("echo", "tcp", true), ("daytime", "tcp", true)], inetd.Bindings.Select(b => (b.Service.Name, b.Protocol, b.Tls)));
        Assert.Equal([true], recorder.Certificates);
    }

    [Fact]
    public async Task a_port_that_cannot_be_bound_throws_and_leaves_nothing_listening()
    {
        // daytime's port is taken; echo's, bound just before it, must be free again once Bind has failed.
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        var taken = ((IPEndPoint)holder.LocalEndPoint!).Port;
        var @base = taken - 13;
        if (@base - 7 + 7 <= 0) return; // the stack picked a port below 20: no base puts daytime there (never seen in practice)
        var recorder = new Recorder();
        var failure = Assert.Throws<SockException>(() => InetdServer.Bind(
            new InetdOptions { Names = ["echo", "daytime"], Base = @base, Bind = IPAddress.Loopback, TcpOnly = true }, observer: recorder));
        Assert.StartsWith($"serve daytime on tcp port {taken} (127.0.0.1:{taken}) failed: address already in use", failure.Message, StringComparison.Ordinal);
        Assert.Empty(recorder.Listening);
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, @base + 7)).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Theory]
    [InlineData("--udp")]
    [InlineData("--unix --udp")]
    public void tls_over_datagrams_is_a_usage_error_before_anything_is_bound(string how)
    {
        using var dir = new TempDirectory("sock-inetd-");
        var options = new InetdOptions { Names = ["echo"], UdpOnly = true, Tls = new TlsServerOptions() };
        if (how.Contains("--unix", StringComparison.Ordinal)) options.UnixPath = dir.File("e.sock");
        else options.Port = 0;
        var failure = Assert.Throws<SockException>(() => InetdServer.Bind(options));
        Assert.Equal(SockErrorKind.Usage, failure.Kind);
        Assert.Contains("--ssl --udp", failure.Message);
        Assert.EndsWith("TLS runs over a stream; DTLS is not supported", failure.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("e.sock")));
    }
}
