namespace Sock.Core.Forwarding;

/// <summary>What a <see cref="ForwardEndpoint"/> is: the transport, and whether TLS runs over it.</summary>
public enum ForwardScheme
{
    /// <summary>TCP (<c>tcp:</c>, <c>tcp4:</c>, <c>tcp6:</c>, or no prefix).</summary>
    Tcp,

    /// <summary>UDP (<c>udp:</c>, <c>udp4:</c>, <c>udp6:</c>): one session per client address.</summary>
    Udp,

    /// <summary>A Unix stream socket (<c>unix:/path</c>, or <c>unix:@name</c> in Linux's abstract namespace).</summary>
    Unix,

    /// <summary>TLS over TCP (<c>tls:</c>): terminated when listening, originated towards a target.</summary>
    Tls,
}
