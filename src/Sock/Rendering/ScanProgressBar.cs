using System.Globalization;
using Sock.Core.Scanning;

namespace Sock.Cli.Rendering;

/// <summary>
/// A one-line progress bar on stderr for scans that take more than a second; only when stderr is a terminal, and
/// erased when the scan ends so the results stand alone.
/// </summary>
internal sealed class ScanProgressBar(TextWriter output) : IProgress<ScanProgress>
{
    private static readonly TimeSpan ShowAfter = TimeSpan.FromSeconds(1);
    private const int Width = 30;
    private readonly Lock _gate = new();
    private bool _shown;
    private bool _closed;

    public void Report(ScanProgress value)
    {
        lock (_gate)
        {
            if (_closed || value.Elapsed < ShowAfter || value.Total == 0) return;
            var fraction = Math.Clamp((double)value.Done / value.Total, 0, 1);
            var filled = (int)(fraction * Width);
            var rate = value.Done / Math.Max(value.Elapsed.TotalSeconds, 1e-3);
            var left = rate > 0 ? TimeSpan.FromSeconds((value.Total - value.Done) / rate) : TimeSpan.Zero;
            var line = string.Create(CultureInfo.InvariantCulture,
                $"\r[{new string('#', filled)}{new string('-', Width - filled)}] {fraction * 100,3:0}%  {value.Done:N0}/{value.Total:N0} ports  {value.Open:N0} open  {value.InFlight:N0} in flight  ~{left.TotalSeconds:0}s left\u001b[K");
            output.Write(line);
            output.Flush();
            _shown = true;
        }
    }

    /// <summary>Erases the bar.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            if (!_shown) return;
            output.Write("\r\u001b[K");
            output.Flush();
        }
    }
}
