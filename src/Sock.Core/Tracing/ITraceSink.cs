namespace Sock.Core.Tracing;

/// <summary>Where trace lines go. The library hands over the time since tracing began and the call as text.</summary>
public interface ITraceSink
{
    /// <summary>Receives one traced call, e.g. "bind(5, 0.0.0.0:8080)".</summary>
    void Write(TimeSpan sinceStart, string call);
}
