using System.Globalization;

namespace Sock.Cli.Rendering;

/// <summary>
/// An in-place progress bar on stderr for fixed-count runs (-n); only when stderr is a terminal. Interval lines are
/// written above it, and it is erased when the run ends so the report stands alone.
/// </summary>
internal sealed class BenchProgressBar(TextWriter output, string total)
{
    private const int Width = 30;
    private readonly Lock _gate = new();
    private double _done;
    private bool _shown;
    private bool _closed;

    public void Show(double done)
    {
        lock (_gate)
        {
            if (_closed) return;
            _done = Math.Clamp(done, 0, 1);
            Draw();
        }
    }

    /// <summary>Runs <paramref name="write"/> (an interval line) with the bar off its line, then draws the bar again below.</summary>
    public void Around(Action write)
    {
        lock (_gate)
        {
            if (_shown) Erase();
            write();
            if (_shown && !_closed) Draw();
        }
    }

    /// <summary>Erases the bar for good.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            if (_shown) Erase();
        }
    }

    private void Draw()
    {
        var filled = (int)(_done * Width);
        output.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r[{new string('#', filled)}{new string('-', Width - filled)}] {_done * 100,3:0}% of {total}\u001b[K"));
        output.Flush();
        _shown = true;
    }

    private void Erase()
    {
        output.Write("\r\u001b[K");
        output.Flush();
    }
}
