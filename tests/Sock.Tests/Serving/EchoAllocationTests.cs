using System.Net;
using System.Net.Sockets;
using Sock.Core.Serving;
using Sock.Core.Inetd;

namespace Sock.Tests.Serving;

/// <summary>Runs alone: it counts every allocation in the process, so no other test may run beside it.</summary>
[CollectionDefinition(nameof(AllocationCounting), DisableParallelization = true)]
public sealed class AllocationCounting;

/// <summary>The echo path allocates nothing per message once warm (Kestrel's bar: pooled buffers, pooled socket operations).</summary>
[Collection(nameof(AllocationCounting))]
public class EchoAllocationTests
{
    [Theory]
    [MemberData(nameof(Engines.Tcp4), MemberType = typeof(Engines))]
    public async Task echoing_32_byte_messages_allocates_nothing_per_message(string engine)
    {
        await using var server = new SocketServer(Engines.OptionsFor(engine, null));
        var ep = server.ListenStream("echo", new IPEndPoint(IPAddress.Loopback, 0), SmallServices.Create("echo").Stream);
        server.Start();
        // A blocking client on its own thread makes plain send/recv system calls and allocates nothing itself, so what
        // is counted is the server's. (An async .NET client allocates about 40 bytes per receive that has to wait.)
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(ep);
        client.ReceiveTimeout = 10_000;
        var message = new byte[32];
        var reply = new byte[32];

        void RoundTrips(int count)
        {
            for (var i = 0; i < count; i++)
            {
                client.Send(message);
                var got = 0;
                while (got < reply.Length)
                {
                    var n = client.Receive(reply, got, reply.Length - got, SocketFlags.None);
                    if (n == 0) throw new EndOfStreamException();
                    got += n;
                }
            }
        }

        long RunOnOwnThread(int count)
        {
            long allocated = 0;
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    var before = GC.GetTotalAllocatedBytes(precise: true);
                    RoundTrips(count);
                    allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            });
            thread.Start();
            thread.Join(TimeSpan.FromSeconds(60));
            if (failure is not null) throw failure;
            return allocated;
        }

        RunOnOwnThread(2_000); // warm: JIT tiers, pools, the socket's cached operations
        const int messages = 20_000;
        // The least of three runs: other tests' leftovers (a process exiting, a timer) may allocate during one of them,
        // but an allocation per message shows in every run.
        var allocated = Enumerable.Range(0, 3).Min(_ => RunOnOwnThread(messages));
        // One allocation per message would be at least 24 bytes each (480,000 bytes); what is allowed is one-off.
        Assert.True(allocated < messages * 4, $"{allocated} bytes allocated for {messages} echoed messages ({(double)allocated / messages:0.0} per message)");
    }
}
