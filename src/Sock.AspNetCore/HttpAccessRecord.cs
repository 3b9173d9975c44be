using System.Net;

namespace Sock.AspNetCore;

/// <summary>One request as an access log tells it (the fields of the Common Log Format, and the time taken).</summary>
/// <param name="Time">When the request arrived.</param>
/// <param name="Remote">The client's address and port, or null over a Unix socket.</param>
/// <param name="Method">The request method.</param>
/// <param name="Target">The request target as sent (path and query, still encoded).</param>
/// <param name="Protocol">HTTP/1.1 or HTTP/2.</param>
/// <param name="Status">The response's status code.</param>
/// <param name="Bytes">The response body's length in bytes as sent, or null when none was sent.</param>
/// <param name="Duration">From the request's arrival to the end of its response.</param>
/// <param name="ConnectionId">The transport's identifier of the connection that carried it.</param>
public sealed record HttpAccessRecord(DateTimeOffset Time, IPEndPoint? Remote, string Method, string Target, string Protocol,
    int Status, long? Bytes, TimeSpan Duration, string ConnectionId);
