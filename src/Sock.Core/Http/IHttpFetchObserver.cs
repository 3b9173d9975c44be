namespace Sock.Core.Http;

/// <summary>Hears an HTTP exchange as it goes, for a front end that shows it (curl's -v): each call is one step.</summary>
public interface IHttpFetchObserver
{
    /// <summary>The socket is connected: which one, from where to where.</summary>
    void Connected(HttpSocketInfo socket);

    /// <summary>The TLS session is up: lines describing it (protocol, cipher, ALPN, the certificate).</summary>
    void Secured(IReadOnlyList<string> session);

    /// <summary>The request as sent: its request line, then its headers.</summary>
    void RequestSent(string requestLine, IReadOnlyList<KeyValuePair<string, string>> headers);

    /// <summary>The response's status line and headers arrived.</summary>
    void ResponseReceived(string statusLine, IReadOnlyList<KeyValuePair<string, string>> headers);

    /// <summary>The socket closed, with what went through it.</summary>
    void Closed(HttpSocketInfo socket);
}
