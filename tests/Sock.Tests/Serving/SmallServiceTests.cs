using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Sock.Core.Inetd;
using Sock.Tests.Support;

namespace Sock.Tests.Serving;

/// <summary>Each small service, byte for byte as its RFC says, over TCP/IPv4, TCP/IPv6 and Unix stream, and UDP/IPv4, UDP/IPv6 and Unix datagram.</summary>
public class SmallServiceTests
{
    private static readonly DateTime Epoch1900 = new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Line <paramref name="i"/> of RFC 864's pattern, written out from the RFC, not from the service.</summary>
    private static string RfcChargenLine(int i)
    {
        var sb = new StringBuilder();
        for (var k = 0; k < 72; k++) sb.Append((char)(32 + (i + k) % 95));
        return sb.ToString();
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task echo_returns_a_binary_payload_intact(string transport)
    {
        const int size = 64 << 20;
        var payload = new byte[size];
        new Random(862).NextBytes(payload);
        await using var host = ServingHost.Stream(transport, SmallServices.Create("echo").Stream);
        using var client = await host.ConnectAsync();
        var sending = Task.Run(async () =>
        {
            await client.SendAllAsync(payload);
            client.Shutdown(SocketShutdown.Send);
        });
        var back = await client.ReadToEndAsync(size + 1, TimeSpan.FromSeconds(60));
        await sending;
        Assert.Equal(size, back.Length);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(back));
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task echo_returns_each_datagram(string transport)
    {
        await using var host = ServingHost.Datagram(transport, SmallServices.Create("echo").Datagram);
        foreach (var size in new[] { 1, 32, 1400, 8192 })
        {
            var payload = RandomNumberGenerator.GetBytes(size);
            Assert.Equal(payload, await host.AskAsync(payload));
        }
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task chargen_sends_rfc_864_lines_in_order(string transport)
    {
        await using var host = ServingHost.Stream(transport, SmallServices.Create("chargen").Stream);
        using var client = await host.ConnectAsync();
        const int lines = 95 * 2 + 10; // past a full cycle of the pattern and into the next
        var bytes = await client.ReadExactlyAsync(lines * 74);
        var text = Encoding.ASCII.GetString(bytes);
        for (var i = 0; i < lines; i++)
        {
            var line = text.Substring(i * 74, 74);
            Assert.Equal(RfcChargenLine(i) + "\r\n", line);
        }
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task chargen_answers_each_datagram_with_0_to_512_bytes_of_the_pattern(string transport)
    {
        await using var host = ServingHost.Datagram(transport, SmallServices.Create("chargen").Datagram);
        var stream = string.Concat(Enumerable.Range(0, 2 * 95).Select(i => RfcChargenLine(i) + "\r\n"));
        var lengths = new HashSet<int>();
        for (var i = 0; i < 20; i++)
        {
            var reply = Encoding.ASCII.GetString(await host.AskAsync([(byte)'x']));
            Assert.InRange(reply.Length, 0, 512);
            lengths.Add(reply.Length);
            if (reply.Length == 0) continue;
            // A reply starts at the beginning of some line of the pattern and follows it.
            var start = (reply[0] - 32) * 74;
            Assert.Equal(stream.Substring(start, reply.Length), reply);
        }
        Assert.True(lengths.Count > 1, "reply lengths should vary (random 0-512)");
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task time_sends_seconds_since_1900_big_endian_then_closes(string transport)
    {
        await using var host = ServingHost.Stream(transport, SmallServices.Create("time").Stream);
        using var client = await host.ConnectAsync();
        var bytes = await client.ReadToEndAsync();
        Assert.Equal(4, bytes.Length);
        AssertTimeIsNow(bytes);
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task time_answers_a_datagram_with_seconds_since_1900(string transport)
    {
        await using var host = ServingHost.Datagram(transport, SmallServices.Create("time").Datagram);
        var reply = await host.AskAsync([]);
        Assert.Equal(4, reply.Length);
        AssertTimeIsNow(reply);
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task daytime_sends_a_date_line_within_2s_then_closes(string transport)
    {
        await using var host = ServingHost.Stream(transport, SmallServices.Create("daytime").Stream);
        using var client = await host.ConnectAsync();
        AssertDaytimeIsNow(Encoding.ASCII.GetString(await client.ReadToEndAsync()));
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task daytime_answers_a_datagram_with_a_date_line(string transport)
    {
        await using var host = ServingHost.Datagram(transport, SmallServices.Create("daytime").Datagram);
        AssertDaytimeIsNow(Encoding.ASCII.GetString(await host.AskAsync([(byte)'\n'])));
    }

    [Theory]
    [MemberData(nameof(Transports.AllWithUnixDatagram), MemberType = typeof(Transports))]
    public async Task qotd_sends_one_quote_of_at_most_512_bytes(string transport)
    {
        var quotes = new[] { "First quote.", "Second quote,\non two lines." };
        var service = SmallServices.Create("qotd", quotes);
        byte[] reply;
        if (Transports.SocketTypeOf(transport) == SocketType.Dgram)
        {
            await using var host = ServingHost.Datagram(transport, service.Datagram);
            reply = await host.AskAsync([]);
        }
        else
        {
            await using var host = ServingHost.Stream(transport, service.Stream);
            using var client = await host.ConnectAsync();
            reply = await client.ReadToEndAsync();
        }
        Assert.InRange(reply.Length, 1, 512);
        var text = Encoding.UTF8.GetString(reply);
        Assert.Contains(text, new[] { "First quote.\r\n", "Second quote,\r\non two lines.\r\n" });
    }

    [Theory]
    [MemberData(nameof(Engines.Stream), MemberType = typeof(Engines))]
    public async Task discard_reads_everything_and_sends_nothing(string transport)
    {
        await using var host = ServingHost.Stream(transport, SmallServices.Create("discard").Stream);
        using var client = await host.ConnectAsync();
        await client.SendAllAsync(new byte[4 << 20]);
        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await client.ReadToEndAsync());
        await WaitUntil(() => host.Server.TotalBytesIn == 4 << 20);
    }

    [Theory]
    [MemberData(nameof(Transports.DatagramWithUnix), MemberType = typeof(Transports))]
    public async Task discard_does_not_answer_datagrams(string transport)
    {
        await using var host = ServingHost.Datagram(transport, SmallServices.Create("discard").Datagram);
        using var client = host.DatagramClient();
        await client.SendAsync(new byte[100]);
        await WaitUntil(() => host.Server.TotalBytesIn == 100);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ReceiveAsync(new byte[10], SocketFlags.None, cts.Token));
        Assert.Equal(0, host.Server.TotalBytesOut);
    }

    [Theory]
    [MemberData(nameof(Transports.AllWithUnixDatagram), MemberType = typeof(Transports))]
    public async Task hello_replies_only_once_its_message_sink_has_taken_the_message(string transport)
    {
        // The sink is where sock serve queues lines for stdout: when that queue is full, the connection waits, not the thread.
        var told = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var service = SmallServices.Create("hello", messages: m =>
        {
            told.TrySetResult(m.Text);
            return new ValueTask(room.Task);
        });
        var datagram = Transports.SocketTypeOf(transport) == SocketType.Dgram;
        await using var host = datagram ? ServingHost.Datagram(transport, service.Datagram) : ServingHost.Stream(transport, service.Stream);
        Task<byte[]> exchange;
        if (datagram)
        {
            exchange = host.AskAsync("Hello from client"u8.ToArray());
        }
        else
        {
            exchange = Task.Run(async () =>
            {
                using var client = await host.ConnectAsync();
                await client.SendAllAsync("Hello from client"u8.ToArray());
                return await client.ReadToEndAsync();
            });
        }
        Assert.Equal("Hello from client", await told.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await Task.Delay(300);
        Assert.False(exchange.IsCompleted, "no reply while the sink has not taken the message");
        room.SetResult();
        Assert.Equal("Hello from server", Encoding.ASCII.GetString(await exchange.WaitAsync(TimeSpan.FromSeconds(10))));
    }

    [Theory]
    [MemberData(nameof(Transports.AllWithUnixDatagram), MemberType = typeof(Transports))]
    public async Task hello_prints_the_message_and_replies_hello_from_server(string transport)
    {
        var said = new List<string>();
        var service = SmallServices.Create("hello", messages: m =>
        {
            lock (said) said.Add(m.Text);
            return ValueTask.CompletedTask;
        });
        byte[] reply;
        if (Transports.SocketTypeOf(transport) == SocketType.Dgram)
        {
            await using var host = ServingHost.Datagram(transport, service.Datagram);
            reply = await host.AskAsync("Hello from client"u8.ToArray());
        }
        else
        {
            await using var host = ServingHost.Stream(transport, service.Stream);
            using var client = await host.ConnectAsync();
            await client.SendAllAsync("Hello from client"u8.ToArray()); // no newline, as the seed's C client sends it
            reply = await client.ReadToEndAsync();
        }
        Assert.Equal("Hello from server", Encoding.ASCII.GetString(reply));
        lock (said) Assert.Contains("Hello from client", said);
    }

    private static void AssertTimeIsNow(byte[] bytes)
    {
        var seconds = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        var when = Epoch1900.AddSeconds(seconds);
        Assert.InRange((DateTime.UtcNow - when).TotalSeconds, -2, 2);
    }

    private static void AssertDaytimeIsNow(string line)
    {
        Assert.EndsWith("\r\n", line);
        var parsed = DateTime.ParseExact(line.TrimEnd(), "ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces);
        Assert.InRange((DateTime.Now - parsed).TotalSeconds, -2, 2);
    }

    internal static async Task WaitUntil(Func<bool> condition, int milliseconds = 5000)
    {
        var deadline = Environment.TickCount64 + milliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline) Assert.Fail("condition not met in time");
            await Task.Delay(20);
        }
    }
}
