using System.Net;
using System.Net.Sockets;
using Sock.Core.Snmp;

namespace Sock.Tests.Snmp;

/// <summary>
/// A v2c agent on a loopback UDP port that serves 50 tcpListenerTable rows, except where a script says otherwise:
/// to answer tooBig, to stay silent, or to return OIDs out of order — the failures a manager has to survive.
/// </summary>
internal sealed class ScriptedAgent : IAsyncDisposable
{
    /// <summary>Returned by a script: send nothing.</summary>
    public static readonly SnmpPdu Silence = new() { Type = PduType.Report };

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<SnmpPdu, SnmpAgent, SnmpPdu?> _script;
    private readonly SnmpAgent _agent;
    private readonly List<SnmpPdu> _requests = [];
    private Task _loop = Task.CompletedTask;

    private ScriptedAgent(Func<SnmpPdu, SnmpAgent, SnmpPdu?> script)
    {
        _script = script;
        _agent = new SnmpAgent(new SnmpAgentOptions { Communities = ["public"], MaxMessageSize = 65507 }, b =>
        {
            for (uint i = 1; i <= 50; i++) b.Cell(Oid.Parse("1.3.6.1.2.1.6.20.1.4"), [1, 4, 127, 0, 0, 1, 1000 + i], SnmpValue.Gauge32(i));
            return b.Build();
        });
    }

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public IReadOnlyList<SnmpPdu> Requests { get { lock (_requests) return [.. _requests]; } }

    /// <summary>
    /// Starts it; <paramref name="script"/> sees each request first and returns the response to send, <see cref="Silence"/>,
    /// or null for the real agent's answer.
    /// </summary>
    public static Task<ScriptedAgent> StartAsync(Func<SnmpPdu, SnmpAgent, SnmpPdu?> script)
    {
        var a = new ScriptedAgent(script);
        a._socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        a._loop = a.RunAsync();
        return Task.FromResult(a);
    }

    private async Task RunAsync()
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult got;
            try { got = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { continue; }
            var bytes = buffer.AsMemory(0, got.ReceivedBytes).ToArray();
            if (!SnmpMessage.TryDecode(bytes, out var m, out _)) continue;
            lock (_requests) _requests.Add(m!.Pdu);
            var scripted = _script(m.Pdu, _agent);
            if (ReferenceEquals(scripted, Silence)) continue;
            var reply = scripted is null ? _agent.Handle(bytes, got.RemoteEndPoint) : (m with { Pdu = scripted }).Encode();
            if (reply is not null) await _socket.SendToAsync(reply, SocketFlags.None, got.RemoteEndPoint);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _socket.Dispose();
        _stop.Dispose();
    }
}
