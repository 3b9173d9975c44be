using Sock.Core.Errors;

namespace Sock.Core.Demo;

/// <summary>How the demo went.</summary>
/// <param name="ServerReceived">What the server read from the client.</param>
/// <param name="ClientReceived">What the client read from the server.</param>
/// <param name="RefusedError">The error the last step provoked, if it came.</param>
internal sealed record DemoOutcome(string ServerReceived, string ClientReceived, SockException? RefusedError)
{
    /// <summary>True when both messages arrived whole.</summary>
    public bool Exchanged => ServerReceived == HelloDemo.ClientMessage && ClientReceived == HelloDemo.ServerMessage;
}
