using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Connections;
using Sock.Core.Serving;
using Sock.Core.Sockets;

namespace Sock.Core.Stun;

/// <summary>
/// A STUN Binding server (RFC 8489 §6.3) on the serving engine, over UDP and TCP. Each Binding request is answered with
/// XOR-MAPPED-ADDRESS (and MAPPED-ADDRESS, for RFC 3489 clients such as stund's), SOFTWARE, RESPONSE-ORIGIN when the
/// socket is bound to one address, and FINGERPRINT when the request had one. A request that asks to be answered from
/// another address or port (CHANGE-REQUEST) gets 420, since this server has one address; other methods get 400;
/// unknown comprehension-required attributes 420 with UNKNOWN-ATTRIBUTES. Malformed datagrams are dropped; a TCP peer
/// that sends something that is not STUN is disconnected.
/// </summary>
public static class StunServer
{
    /// <summary>The SOFTWARE attribute sock's server sends.</summary>
    public const string SoftwareName = "sock";

    /// <summary>The IANA port for STUN over UDP and TCP.</summary>
    public const int DefaultPort = 3478;

    /// <summary>The answer to <paramref name="request"/> from <paramref name="remote"/>, or null when it gets none (not a request, malformed).</summary>
    public static byte[]? Answer(ReadOnlySpan<byte> request, IPEndPoint remote, IPEndPoint? local)
    {
        if (!StunMessage.TryDecode(request, allowClassic: true, out var m, out _) || m!.Class != StunClass.Request) return null;
        StunMessage response;
        if (m.Method != StunMessageType.BindingMethod)
            response = Error(m, 400, "Bad Request: only Binding is served");
        else if (m.UnknownRequired.Count > 0)
        {
            response = Error(m, 420, "Unknown Attribute");
            response.UnknownAttributes = m.UnknownRequired;
        }
        else if (m.ChangeIp || m.ChangePort)
        {
            // RFC 5780 §6.1: a server without an alternate address cannot honour CHANGE-REQUEST.
            response = Error(m, 420, "Unknown Attribute: no alternate address to answer from");
            response.UnknownAttributes = [StunAttributeType.ChangeRequest];
        }
        else
        {
            var mapped = new IPEndPoint(StunBinding.Normalize(remote.Address), remote.Port);
            // A classic (RFC 3489) client knows only MAPPED-ADDRESS (RFC 8489 §12).
            response = StunMessage.ResponseTo(m, StunClass.SuccessResponse);
            response.MappedAddress = mapped;
            response.Software = SoftwareName;
            if (!m.IsClassic) response.XorMappedAddress = mapped;
            if (!m.IsClassic && local is { } l && !l.Address.Equals(IPAddress.Any) && !l.Address.Equals(IPAddress.IPv6Any))
                response.ResponseOrigin = new IPEndPoint(StunBinding.Normalize(l.Address), l.Port);
        }
        return response.Encode(fingerprint: m.HasFingerprint);
    }

    private static StunMessage Error(StunMessage request, int code, string reason)
    {
        var m = StunMessage.ResponseTo(request, StunClass.ErrorResponse);
        m.ErrorCode = code;
        m.ErrorReason = reason;
        m.Software = SoftwareName;
        return m;
    }

    /// <summary>Serves Binding over UDP on <paramref name="endpoint"/>; returns the bound address.</summary>
    public static IPEndPoint ListenUdp(SocketServer server, IPEndPoint endpoint, bool dualMode = false)
    {
        IPEndPoint? local = null;
        local = (IPEndPoint)server.ListenDatagram("stun", endpoint, d => AnswerDatagram(d, local), dualMode);
        return local;
    }

    /// <summary>Serves Binding over TCP on <paramref name="endpoint"/> (many requests per connection); returns the bound address.</summary>
    public static IPEndPoint ListenTcp(SocketServer server, IPEndPoint endpoint, bool dualMode = false)
    {
        IPEndPoint? local = null;
        local = (IPEndPoint)server.ListenStream("stun", endpoint, c => ServeConnectionAsync(c, local), dualMode);
        return local;
    }

    /// <summary>
    /// Serves Binding over UDP and TCP on one port of <paramref name="endpoint"/>, as STUN servers do; with port 0 the
    /// system picks a port free for both. Returns the bound addresses.
    /// </summary>
    public static (IPEndPoint Udp, IPEndPoint Tcp) ListenUdpAndTcp(SocketServer server, IPEndPoint endpoint, bool dualMode = false)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(endpoint);
        var settings = new ListenSettings(dualMode && endpoint.AddressFamily == AddressFamily.InterNetworkV6, server.Options.ReusePort, server.Options.Backlog);
        var (stream, datagram) = SocketBinder.OpenOnOnePort(endpoint, settings, server.Trace);
        IPEndPoint? udp = null, tcp = null;
        udp = (IPEndPoint)server.ListenDatagramOn("stun", datagram, d => AnswerDatagram(d, udp));
        tcp = (IPEndPoint)server.ListenOn("stun", stream, c => ServeConnectionAsync(c, tcp));
        return (udp, tcp);
    }

    private static ValueTask AnswerDatagram(ReceivedDatagram d, IPEndPoint? local)
    {
        var answer = Answer(d.Payload.Span, (IPEndPoint)d.Remote, local);
        return answer is null ? ValueTask.CompletedTask : d.ReplyAsync(answer);
    }

    private static async ValueTask ServeConnectionAsync(Connection connection, IPEndPoint? local)
    {
        var remote = (IPEndPoint)connection.RemoteEndPoint!;
        var header = new byte[StunMessage.HeaderLength];
        while (true)
        {
            var result = await connection.Input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            while (buffer.Length >= StunMessage.HeaderLength)
            {
                buffer.Slice(0, StunMessage.HeaderLength).CopyTo(header);
                if (StunMessage.FramedLength(header) is not { } length)
                {
                    connection.SetCloseReason("not STUN");
                    return;
                }
                if (buffer.Length < length) break;
                var message = buffer.Slice(0, length).ToArray();
                buffer = buffer.Slice(length);
                if (Answer(message, remote, local) is { } answer) connection.Output.Write(answer);
            }
            connection.Input.AdvanceTo(buffer.Start, buffer.End);
            if ((await connection.Output.FlushAsync().ConfigureAwait(false)).IsCompleted || result.IsCompleted) return;
        }
    }
}
