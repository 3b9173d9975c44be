using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Text;

namespace Sock.Core.Proxies;

/// <summary>
/// The server's side of SOCKS 4 and 4a: VN=4, CD, DSTPORT, DSTIP, USERID and NUL; for 4a a DSTIP of 0.0.0.x (x ≠ 0)
/// and the host name after the user id. The reply is 8 bytes, VN=0 and CD 90 (granted) or 91 (rejected or failed).
/// Only CONNECT is served. SOCKS 4 carries no password, so a proxy with users refuses it.
/// </summary>
internal static class Socks4ServerHandshake
{
    public const byte Version = 4;

    /// <summary>The longest user id or host name taken (a NUL must come within it).</summary>
    public const int MaxField = 255;

    /// <summary>The request, or null when the handshake ended (the rejection has been sent if one was due).</summary>
    public static async Task<ProxyRequest?> ReadAsync(PipeReader input, PipeWriter output, ProxyServerOptions options, ProxySessionState session, CancellationToken ct)
    {
        session.Protocol = "socks4";
        try
        {
            var head = await HandshakeInput.ReadExactlyAsync(input, 8, ct).ConfigureAwait(false);
            if (head is null) return Left(session);
            session.Command = head[1] switch { 1 => "connect", 2 => "bind", _ => $"command {head[1]}" };
            var port = BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(2));
            var user = await HandshakeInput.ReadNulTerminatedAsync(input, MaxField, ct).ConfigureAwait(false);
            if (user is null) return await FailAsync(output, session, "malformed request: user id missing its NUL or longer than 255 bytes").ConfigureAwait(false);
            if (user.Length > 0) session.User = Socks5ServerHandshake.Printable(Encoding.UTF8.GetString(user));
            ProxyRequest request;
            if (head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] != 0)
            {
                session.Protocol = "socks4a";
                var host = await HandshakeInput.ReadNulTerminatedAsync(input, MaxField, ct).ConfigureAwait(false);
                if (host is null) return await FailAsync(output, session, "malformed request: host name missing its NUL or longer than 255 bytes").ConfigureAwait(false);
                var name = Encoding.ASCII.GetString(host);
                if (!Socks5ServerHandshake.IsHostName(name)) return await FailAsync(output, session, "malformed request: the host name is not a name").ConfigureAwait(false);
                request = new ProxyRequest(name, null, port);
            }
            else request = new ProxyRequest(null, new IPAddress(head.AsSpan(4, 4)), port);
            session.Destination = request.ToString();
            if (head[1] != 1) return await FailAsync(output, session, $"{session.Command} not supported").ConfigureAwait(false);
            if (options.Users is not null)
                return await FailAsync(output, session, "authentication required: SOCKS4 carries no password (use SOCKS5)").ConfigureAwait(false);
            if (port == 0) return await FailAsync(output, session, "malformed request: port 0").ConfigureAwait(false);
            return request;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return await FailAsync(output, session, $"handshake not finished within {Errors.Durations.Format(options.HandshakeTimeout)}").ConfigureAwait(false);
        }
    }

    /// <summary>The 8-byte reply: granted with the bound address, or rejected.</summary>
    public static byte[] Reply(bool granted, EndPoint? bound)
    {
        var reply = new byte[8];
        reply[1] = (byte)(granted ? Socks4Reply.Granted : Socks4Reply.Rejected);
        if (granted && bound is IPEndPoint ip)
        {
            BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(2), (ushort)ip.Port);
            var a = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
            if (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) a.TryWriteBytes(reply.AsSpan(4), out _);
        }
        return reply;
    }

    private static async Task<ProxyRequest?> FailAsync(PipeWriter output, ProxySessionState session, string reason)
    {
        session.Refuse(reason);
        await Socks5ServerHandshake.SendAsync(output, Reply(false, null)).ConfigureAwait(false);
        return null;
    }

    private static ProxyRequest? Left(ProxySessionState session)
    {
        session.Refuse("the client closed during the handshake");
        return null;
    }
}
