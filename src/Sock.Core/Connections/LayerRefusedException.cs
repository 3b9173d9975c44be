namespace Sock.Core.Connections;

/// <summary>
/// Thrown by a <see cref="ConnectionLayer"/> that will not carry a connection it was given (a TLS handshake that failed):
/// the connection closes with <see cref="Exception.Message"/> as its reason, the server reports it
/// (its observer's <c>LayerRefused</c>) and goes on. It is the peer's doing, not the server's: not counted as an error.
/// </summary>
public sealed class LayerRefusedException : Exception
{
    /// <summary>Refuses for <paramref name="layer"/> (its <see cref="ConnectionLayer.Name"/>), saying why in <paramref name="reason"/>.</summary>
    public LayerRefusedException(string layer, string reason, Exception? inner = null) : base(reason, inner) => Layer = layer;

    /// <summary>The refusing layer's name.</summary>
    public string Layer { get; }
}
