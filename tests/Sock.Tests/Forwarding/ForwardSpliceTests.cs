using System.Security.Cryptography;
using Sock.Core.Forwarding;
using Sock.Tests.Netcat;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// Which relay a forwarded pair gets. On Linux a plain pair (TCP or Unix on both sides, nothing that needs the bytes) is
/// spliced in the kernel, and --trace shows the splice(2) calls, so the fast path cannot silently fall back; a pair whose
/// bytes must be seen (--dump) or changed (TLS) takes the copying relay, and so does --no-splice. The behaviour of the
/// spliced relay itself (half-close, resets, counts, back-pressure, 64 MiB) is what ForwardRelayTests, ForwarderTests and
/// ForwardBulkTests check, unchanged.
/// </summary>
public sealed class ForwardSpliceTests
{
    private const int Size = 4 << 20;

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task a_plain_pair_is_spliced_and_the_trace_shows_the_splice_calls(string transport)
    {
        if (!OperatingSystem.IsLinux()) return; // splice(2) is Linux's: elsewhere every pair is copied
        var (trace, echoed, sent) = await EchoThroughAsync(transport, "--trace");
        Assert.Equal(Hash(sent), Hash(echoed));
        // Both ways went through a pipe by splice(2): the client's socket into a pipe, and the pipe into the client.
        Assert.Contains(trace, l => l.Contains("pipe2(", StringComparison.Ordinal) && l.Contains("F_SETPIPE_SZ", StringComparison.Ordinal));
        Assert.Contains(trace, l => l.Contains("splice(", StringComparison.Ordinal) && l.Contains("SPLICE_F_MOVE|SPLICE_F_NONBLOCK", StringComparison.Ordinal));
        // Not the copying relay: its reads ("recv(7) = 65536 bytes") are not there; the spliced relay's own copies of what
        // came before the bulk ("recv(7, 16384, MSG_DONTWAIT) = 16384") may be.
        Assert.DoesNotContain(trace, l => CopyingRelayRead.IsMatch(l));
    }

    [Theory]
    [MemberData(nameof(Transports.Stream), MemberType = typeof(Transports))]
    public async Task small_messages_are_copied_by_the_spliced_relay_without_a_pipe_and_counted_exactly(string transport)
    {
        if (!OperatingSystem.IsLinux()) return; // the spliced relay is Linux's
        using var dir = new TempDirectory("sock-fwd-small-");
        await using var echo = EchoTarget.Start(transport);
        var forward = await ForwardProcess.StartAsync([ForwardPeers.ListenSpelling(transport, dir), echo.Spelling, "-v", "--trace"]);
        await using (forward)
        {
            const int Messages = 20, Size = 100;
            using (var client = await forward.ConnectAsync())
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var sent = new List<byte>();
                var received = new List<byte>();
                var answer = new byte[Size];
                for (var i = 0; i < Messages; i++)
                {
                    var message = RandomNumberGenerator.GetBytes(Size);
                    sent.AddRange(message);
                    await client.SendAsync(message, timeout.Token);
                    for (var got = 0; got < Size;)
                    {
                        var n = await client.ReceiveAsync(answer.AsMemory(0, Size - got), timeout.Token);
                        Assert.True(n > 0, $"the echo of message {i} ended after {got} bytes");
                        received.AddRange(answer.AsSpan(0, n));
                        got += n;
                    }
                }
                client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
                Assert.Empty(await Net.ReadToEndAsync(client, TimeSpan.FromSeconds(20)));
                Assert.Equal(sent, received);
            }
            await forward.Process.WaitForStderrAsync($@"^#1 closed .*: {Messages * Size} bytes to target, {Messages * Size} bytes to client, ", 30);
            var trace = forward.Process.StderrLines;
            Assert.Contains(trace, l => l.Contains("recv(", StringComparison.Ordinal) && l.Contains("MSG_DONTWAIT) = 100", StringComparison.Ordinal));
            Assert.Contains(trace, l => l.Contains("send(", StringComparison.Ordinal) && l.Contains("MSG_DONTWAIT|MSG_NOSIGNAL) = 100", StringComparison.Ordinal));
            Assert.DoesNotContain(trace, l => l.Contains("splice(", StringComparison.Ordinal) || l.Contains("pipe2(", StringComparison.Ordinal));
            Assert.DoesNotContain(trace, l => CopyingRelayRead.IsMatch(l));
        }
    }

    private static readonly System.Text.RegularExpressions.Regex CopyingRelayRead = new(@"recv\(\d+\) = ");

    [Theory]
    [InlineData("--dump")]
    [InlineData("--no-splice")]
    public async Task a_pair_that_must_not_be_spliced_is_copied(string option)
    {
        var (trace, echoed, sent) = await EchoThroughAsync(Transports.Tcp4, "--trace", option);
        Assert.Equal(Hash(sent), Hash(echoed));
        Assert.DoesNotContain(trace, l => l.Contains("splice(", StringComparison.Ordinal));
        Assert.Contains(trace, l => l.Contains("recv(", StringComparison.Ordinal));
    }

    [Fact]
    public void the_forwarder_splices_only_plain_sockets_with_nobody_watching_the_bytes()
    {
        if (!OperatingSystem.IsLinux()) return; // splice(2) is Linux's: elsewhere every pair is copied
        var listen = ForwardEndpoint.Parse("127.0.0.1:0", listening: true);
        Assert.True(new Forwarder(listen, ForwardEndpoint.Parse("127.0.0.1:9", listening: false)).Splices);
        Assert.True(new Forwarder(ForwardEndpoint.Parse("unix:@sock-splice-" + Environment.ProcessId, listening: true),
            ForwardEndpoint.Parse("127.0.0.1:9", listening: false)).Splices);
        Assert.False(new Forwarder(listen, ForwardEndpoint.Parse("tls:127.0.0.1:9", listening: false)).Splices);
        Assert.False(new Forwarder(ForwardEndpoint.Parse("tls:127.0.0.1:0", listening: true), ForwardEndpoint.Parse("127.0.0.1:9", listening: false)).Splices);
        Assert.False(new Forwarder(listen, ForwardEndpoint.Parse("127.0.0.1:9", listening: false), new ForwardOptions(), new Watching()).Splices);
    }

    /// <summary>A forwarder to an echo target; <see cref="Size"/> random bytes through it and back; the forwarder's stderr.</summary>
    private static async Task<(IReadOnlyList<string> Trace, byte[] Echoed, byte[] Sent)> EchoThroughAsync(string transport, params string[] options)
    {
        using var dir = new TempDirectory("sock-fwd-splice-");
        await using var echo = EchoTarget.Start(transport);
        var forward = await ForwardProcess.StartAsync([ForwardPeers.ListenSpelling(transport, dir), echo.Spelling, "-v", .. options]);
        await using (forward)
        {
            var data = RandomNumberGenerator.GetBytes(Size);
            using var client = await forward.ConnectAsync();
            var reading = Net.ReadToEndAsync(client, TimeSpan.FromSeconds(60));
            for (var at = 0; at < data.Length; at += 1 << 16) await client.SendAsync(data.AsMemory(at, 1 << 16));
            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            var echoed = await reading;
            // The session's close line comes after the last trace lines of its sockets.
            await forward.Process.WaitForStderrAsync(@"#1 closed .*bytes to target", 30);
            return (forward.Process.StderrLines, echoed, data);
        }
    }

    private static string Hash(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private sealed class Watching : ForwardObserver
    {
        public override bool ObservesData => true;
    }
}
