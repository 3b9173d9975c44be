using System.Buffers;
using System.Net;
using Sock.Core.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Forwarding;

/// <summary>An echo server in the test process (the library's engine), as a forward's target: many connections, no process each.</summary>
internal sealed class EchoTarget : IAsyncDisposable
{
    private readonly SocketServer _server;

    private EchoTarget(SocketServer server, EndPoint endpoint)
    {
        _server = server;
        EndPoint = endpoint;
    }

    public EndPoint EndPoint { get; }

    public string Spelling => ForwardPeers.TargetSpelling(EndPoint);

    public int Open => _server.Connections.Count;

    public static EchoTarget Start(string transport)
    {
        var server = new SocketServer(new ServerOptions { IoThreads = 0 });
        var bound = server.ListenStream("echo", Transports.BindEndPoint(transport), async c =>
        {
            while (true)
            {
                var r = await c.Input.ReadAsync();
                foreach (var segment in r.Buffer) c.Output.Write(segment.Span);
                c.Input.AdvanceTo(r.Buffer.End);
                if ((await c.Output.FlushAsync()).IsCompleted || r.IsCompleted) return;
            }
        });
        server.Start();
        return new EchoTarget(server, bound);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
