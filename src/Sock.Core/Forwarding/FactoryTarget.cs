namespace Sock.Core.Forwarding;

/// <summary>
/// A target made from a function that opens a fresh leg for each client: a file, a pipe, a terminal, a UDP socket, stdio
/// (socat's addresses that are not stream sockets). The function's failures are <see cref="Errors.SockException"/>s.
/// </summary>
internal sealed class FactoryTarget(string name, Func<CancellationToken, ValueTask<ForwardLeg>> open) : IForwardTarget
{
    public string Name => name;

    public ValueTask<ForwardLeg> OpenAsync(ForwardClient client, CancellationToken cancellationToken) => open(cancellationToken);
}
