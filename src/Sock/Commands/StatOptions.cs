using Sock.Core.Inspection;
using Sock.Core.Inspection.Filtering;

namespace Sock.Cli.Commands;

/// <summary>sock stat's parsed command line.</summary>
internal sealed record StatOptions(
    SocketKinds Kinds, bool Listening, bool All, bool Numeric, bool Processes, bool Extended, bool Timers, bool Info,
    bool Memory, bool Header, bool Json, SocketFilter Filter)
{
    /// <summary>The states to show: the filter's, else -a all, -l listeners, and ss's default (connected, no minisockets).</summary>
    public uint States => Filter.States ?? (All ? SocketStates.All : Listening ? SocketStates.Listening : SocketStates.DefaultStream);
}
