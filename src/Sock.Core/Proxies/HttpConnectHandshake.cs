using System.Net.Sockets;
using System.Text;
using Sock.Core.Errors;

namespace Sock.Core.Proxies;

/// <summary>
/// The client's side of HTTP CONNECT: <c>CONNECT host:port HTTP/1.1</c>, the reply's head read strictly and to its
/// exact end, a 2xx opens the tunnel. A 407 with credentials at hand is answered as ncat does: the connection is
/// closed, and the caller connects again and sends the answer to the challenge (Digest preferred to Basic).
/// </summary>
internal static class HttpConnectHandshake
{
    /// <summary>The longest reply head taken, 16 KiB.</summary>
    public const int MaxHead = 16 * 1024;

    /// <summary>How many 1xx interim replies are skipped before the final one.</summary>
    private const int MaxInterim = 4;

    /// <summary>
    /// Asks for the tunnel; <paramref name="answer"/> is the challenge to answer (from a 407 on an earlier connection), or
    /// null for a first request without credentials. A 407 that credentials could answer throws
    /// <see cref="ProxyChallenge"/> for the caller to connect again.
    /// </summary>
    public static async Task ConnectAsync(ProxyConversation c, ProxyDestination destination, HttpAuthChallenge? answer)
    {
        var authority = destination.ToString();
        var request = new StringBuilder();
        request.Append("CONNECT ").Append(authority).Append(" HTTP/1.1\r\n");
        request.Append("Host: ").Append(authority).Append("\r\n");
        var proxy = c.Proxy;
        string what = $"HTTP request: CONNECT {authority} HTTP/1.1";
        if (answer is not null && proxy.UserName is { } user && proxy.Password is { } password)
        {
            request.Append("Proxy-Authorization: ").Append(HttpProxyAuthorization.Answer(answer, user, password, "CONNECT", authority)).Append("\r\n");
            what += $", Proxy-Authorization: {answer.Scheme} (user {user})";
        }
        request.Append("\r\n");
        await c.SendAsync(Encoding.UTF8.GetBytes(request.ToString()), what).ConfigureAwait(false);

        HttpProxyReply reply;
        var interim = 0;
        while (true)
        {
            var head = await c.ReceiveHeadAsync(MaxHead).ConfigureAwait(false);
            reply = HttpProxyReply.Parse(head, out var error)
                ?? throw SockException.Said($"{c.Name} sent a malformed reply", error);
            // 1xx replies are interim (RFC 9110 §15.2): the final one follows.
            if (reply.Status >= 200 || ++interim > MaxInterim) break;
        }
        if (reply.Status is >= 200 and < 300) return;
        var refused = $"{c.Name} refused the connection to {authority}";
        if (reply.Status == 407)
        {
            if (proxy.UserName is null || proxy.Password is null)
                throw SockException.Said(refused, "proxy authentication required (407): give --proxy-auth USER:PASS", SocketError.AccessDenied);
            var challenges = HttpAuthChallenge.ParseAll(reply.Values("Proxy-Authenticate"));
            var chosen = HttpProxyAuthorization.Choose(challenges);
            // A Digest nonce that went stale is answered once more with the new one (RFC 7616 §3.3).
            var stale = answer is not null && chosen is not null && chosen.Is("Digest")
                && string.Equals(chosen["stale"], "true", StringComparison.OrdinalIgnoreCase);
            if (chosen is not null && (answer is null || stale)) throw new ProxyChallenge(chosen);
            throw SockException.Said(refused, chosen is null
                ? $"proxy authentication required (407), but it offers no scheme sock answers ({Schemes(challenges)}; sock does Basic and Digest)"
                : $"proxy authentication required (407): the user name and password of {proxy.UserName} were refused", SocketError.AccessDenied);
        }
        var said = reply.Reason.Length == 0 ? $"{reply.Status}" : $"{reply.Status} {reply.Reason}";
        // tinyproxy answers wrong credentials with 401 rather than 407: said as what it means when credentials were sent.
        if (reply.Status == 401 && answer is not null && proxy.UserName is { } refusedUser)
            said += $": the user name and password of {refusedUser} were refused";
        throw SockException.Said(refused, said, reply.Status switch
        {
            401 or 403 => SocketError.AccessDenied,
            504 => SocketError.TimedOut,
            _ => SocketError.ConnectionRefused,
        });
    }

    private static string Schemes(List<HttpAuthChallenge> challenges) =>
        challenges.Count == 0 ? "no Proxy-Authenticate challenge" : string.Join(", ", challenges.Select(c => c.Scheme));
}

/// <summary>A 407 that credentials can answer: the connection is closed and made again with the answer (as ncat does).</summary>
internal sealed class ProxyChallenge(HttpAuthChallenge challenge) : Exception("the proxy asked for credentials")
{
    /// <summary>The challenge to answer on the next connection.</summary>
    public HttpAuthChallenge Challenge { get; } = challenge;
}
