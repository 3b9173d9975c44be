using Sock.Core.Tracing;

namespace Sock.Tests.Support;

/// <summary>Keeps trace lines in memory so a test can read what was traced.</summary>
public sealed class CollectingTraceSink : ITraceSink
{
    private readonly List<(TimeSpan At, string Call)> _lines = [];

    public IReadOnlyList<string> Calls
    {
        get { lock (_lines) return _lines.Select(l => l.Call).ToList(); }
    }

    public IReadOnlyList<TimeSpan> Times
    {
        get { lock (_lines) return _lines.Select(l => l.At).ToList(); }
    }

    public void Write(TimeSpan sinceStart, string call)
    {
        lock (_lines) _lines.Add((sinceStart, call));
    }
}
