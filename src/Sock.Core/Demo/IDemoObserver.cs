using Sock.Core.Errors;
using Sock.Core.Inspection;

namespace Sock.Core.Demo;

/// <summary>What the hello demo reports as it goes; a front end renders it. Trace lines go to the demo's <see cref="Tracing.SocketTrace"/>.</summary>
internal interface IDemoObserver
{
    /// <summary>A new stage begins: 1 create, 2 connect/accept, 3 send/receive, 4 close.</summary>
    void Stage(int number, string title, string explanation);

    /// <summary>What a side prints, as the C example's printf does.</summary>
    void Said(string who, string text);

    /// <summary>The operating system's own rows for the demo's sockets, read while the connection is up.</summary>
    void SocketTable(string source, IReadOnlyList<SocketTableEntry> rows, IReadOnlyList<string> notes);

    /// <summary>A remark for the reader.</summary>
    void Note(string text);

    /// <summary>The deliberate failure at the end: connecting where nothing listens.</summary>
    void Refused(SockException error);
}
