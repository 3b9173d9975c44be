namespace Sock.Core.Netcat;

/// <summary>Where connection facts go (stderr with -v): the library never writes to the console itself.</summary>
public interface INetcatLog
{
    /// <summary>One fact at <paramref name="level"/> (1 for -v, 2 for -vv).</summary>
    void Write(int level, string message);
}

/// <summary>A log that drops everything.</summary>
public sealed class SilentNetcatLog : INetcatLog
{
    /// <summary>The one instance.</summary>
    public static readonly SilentNetcatLog Instance = new();

    /// <inheritdoc />
    public void Write(int level, string message) { }
}
