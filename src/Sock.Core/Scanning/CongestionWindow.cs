namespace Sock.Core.Scanning;

/// <summary>
/// How many probes may be in flight, grown and shrunk as TCP and nmap do: slow start (one more per answer, so the
/// window doubles every round trip) up to a threshold, then one more per window of answers; when a port answers only
/// to a retry, the first probe was lost to congestion, so the window halves. Never above the ceiling nor below one.
/// </summary>
internal sealed class CongestionWindow(int initial, int ceiling)
{
    private readonly Lock _gate = new();
    private double _window = Math.Clamp(initial, 1, Math.Max(1, ceiling));
    private double _threshold = Math.Max(1, ceiling);

    /// <summary>The most probes allowed in flight now.</summary>
    public int Size
    {
        get
        {
            lock (_gate) return (int)_window;
        }
    }

    /// <summary>The ceiling.</summary>
    public int Ceiling { get; } = Math.Max(1, ceiling);

    /// <summary>An answer came in time.</summary>
    public void OnAnswer()
    {
        lock (_gate)
            _window = Math.Min(Ceiling, _window < _threshold ? _window + 1 : _window + 1 / _window);
    }

    /// <summary>A probe was lost (a port answered only a retry), or the system ran short of sockets.</summary>
    public void OnLoss()
    {
        lock (_gate)
        {
            _threshold = Math.Max(2, _window / 2);
            _window = _threshold;
        }
    }

    /// <summary>Caps the window at <paramref name="limit"/> after the system refused a socket.</summary>
    public void CapAt(int limit)
    {
        lock (_gate)
        {
            _window = Math.Max(1, Math.Min(_window, limit));
            _threshold = Math.Min(_threshold, _window);
        }
    }
}
