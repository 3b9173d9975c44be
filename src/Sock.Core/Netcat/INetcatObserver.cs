namespace Sock.Core.Netcat;

/// <summary>
/// Hears what netcat's client, listeners and peers do, as <see cref="NetcatEvent"/>s (as a server's
/// <see cref="Serving.IServerObserver"/> and a benchmark's observer hear theirs): the library reports facts, and whoever
/// shows them (the CLI's -v lines on stderr) words them. Called from whichever thread the event happened on.
/// </summary>
public interface INetcatObserver
{
    /// <summary>Something happened.</summary>
    void On(NetcatEvent e);
}

/// <summary>An observer that drops every event.</summary>
public sealed class SilentNetcatObserver : INetcatObserver
{
    /// <summary>The one instance.</summary>
    public static readonly SilentNetcatObserver Instance = new();

    /// <inheritdoc />
    public void On(NetcatEvent e) { }
}
