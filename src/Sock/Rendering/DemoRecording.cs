using Sock.Core.Demo;
using Sock.Core.Errors;
using Sock.Core.Inspection;
using Sock.Core.Tracing;

namespace Sock.Cli.Rendering;

/// <summary>One event of the demo, for --json.</summary>
internal sealed record DemoEvent(string Kind, double? AtMs = null, int? Stage = null, string? Title = null, string? Text = null,
    string? Who = null, string? Source = null, IReadOnlyList<SocketTableEntry>? Rows = null, IReadOnlyList<string>? Notes = null);

/// <summary>The whole demo as JSON: the transport, whether the exchange succeeded, and every event in order.</summary>
internal sealed record DemoReport(string Transport, bool Exchanged, string? ServerReceived, string? ClientReceived, string? RefusedError,
    IReadOnlyList<DemoEvent> Events);

/// <summary>Collects the demo's events and trace lines in order, for --json.</summary>
internal sealed class DemoRecording : IDemoObserver, ITraceSink
{
    private readonly List<DemoEvent> _events = [];

    public IReadOnlyList<DemoEvent> Events => _events;

    public void Stage(int number, string title, string explanation) => _events.Add(new DemoEvent("stage", Stage: number, Title: title, Text: explanation));

    public void Said(string who, string text) => _events.Add(new DemoEvent("said", Who: who, Text: text));

    public void SocketTable(string source, IReadOnlyList<SocketTableEntry> rows, IReadOnlyList<string> notes) =>
        _events.Add(new DemoEvent("table", Source: source, Rows: rows, Notes: notes));

    public void Note(string text) => _events.Add(new DemoEvent("note", Text: text));

    public void Refused(SockException error) => _events.Add(new DemoEvent("refused", Text: ErrorTextFor(error)));

    public void Write(TimeSpan sinceStart, string call) => _events.Add(new DemoEvent("call", AtMs: Math.Round(sinceStart.TotalMilliseconds, 3), Text: call));

    private static string ErrorTextFor(SockException error) => Cli.ErrorText.For(error);
}
