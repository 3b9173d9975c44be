using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>
/// TCP_NODELAY on both legs by default, as haproxy sets it (a forwarder should add no Nagle delay of its own to a client's
/// small writes); --nagle keeps Nagle's algorithm, as socat without nodelay. Seen in --trace: the target socket is made
/// with TCP_NODELAY on, and only --nagle turns it off.
/// </summary>
public sealed class ForwardNoDelayTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task both_legs_have_tcp_nodelay_unless_nagle_is_asked_for(bool nagle)
    {
        using var dir = new TempDirectory("sock-fwd-nodelay-");
        await using var echo = EchoTarget.Start(Transports.Tcp4);
        string[] options = nagle ? ["--trace", "-v", "--nagle"] : ["--trace", "-v"];
        var forward = await ForwardProcess.StartAsync([ForwardPeers.ListenSpelling(Transports.Tcp4, dir), echo.Spelling, .. options]);
        await using (forward)
        {
            using var client = await forward.ConnectAsync();
            await client.SendAsync("ping\n"u8.ToArray());
            Assert.Equal("ping\n", await Netcat.Net.ReadUntilAsync(client, "\n"));
            await forward.Process.WaitForStderrAsync(@"#1 opened ", 30);
            var turnedOff = forward.Process.StderrLines.Any(l => l.Contains("TCP_NODELAY, 0)", StringComparison.Ordinal));
            Assert.Equal(nagle, turnedOff);
        }
    }
}
