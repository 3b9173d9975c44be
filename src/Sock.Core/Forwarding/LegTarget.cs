namespace Sock.Core.Forwarding;

/// <summary>
/// A target whose leg is open already and serves one client only: socat's first address opened before its second one
/// listens (<c>socat - TCP-LISTEN:8080</c>: stdin and stdout are the target of the one client). A second client is refused.
/// </summary>
internal sealed class LegTarget(ForwardLeg leg) : IForwardTarget
{
    private int _taken;

    public string Name => leg.Description;

    public ValueTask<ForwardLeg> OpenAsync(ForwardClient client, CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _taken, 1) == 0
            ? ValueTask.FromResult<ForwardLeg>(new Borrowed(leg))
            : throw new Errors.SockException(Errors.SockErrorKind.Network, "forward to", leg.Description, "it serves one client only");

    /// <summary>The leg as the forwarder sees it: the forwarder disposes what it is given; the leg stays its owner's.</summary>
    private sealed class Borrowed(ForwardLeg inner) : ForwardLeg
    {
        public override System.IO.Pipelines.IDuplexPipe Transport => inner.Transport;
        public override string Description => inner.Description;
        public override Connections.SocketRecord? Record => inner.Record;
        public override bool InputReset => inner.InputReset;
        public override void Abort(string reason, bool reset) => inner.Abort(reason, reset);
        public override ValueTask DisposeAsync() => default;
    }
}
