using System.IO.Pipelines;

namespace Sock.Core.Connections;

/// <summary>A reader and a writer taken as one connection's pair of pipes (<see cref="Connection.Transport"/>).</summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    /// <summary>What the peer sent.</summary>
    public PipeReader Input { get; } = input;

    /// <summary>What goes to the peer.</summary>
    public PipeWriter Output { get; } = output;
}
