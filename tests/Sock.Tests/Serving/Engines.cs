using Sock.Core.Serving;
using Sock.Tests.Support;

namespace Sock.Tests.Serving;

/// <summary>
/// The engine's two ways of running stream connections: its own epoll threads (the default on Linux) and .NET's socket
/// engine with the thread pool (<see cref="ServerOptions.IoThreads"/> 0, the path on every other system). Stream tests
/// run over both: a transport name with <see cref="DotnetSuffix"/> means the second.
/// </summary>
public static class Engines
{
    public const string DotnetSuffix = "+dotnet";

    /// <summary>tcp4, tcp6, unix on each engine.</summary>
    public static TheoryData<string> Stream => new()
    {
        Transports.Tcp4, Transports.Tcp6, Transports.Unix,
        Transports.Tcp4 + DotnetSuffix, Transports.Tcp6 + DotnetSuffix, Transports.Unix + DotnetSuffix,
    };

    /// <summary>TCP over IPv4 on each engine, for tests that need only one transport.</summary>
    public static TheoryData<string> Tcp4 => new() { Transports.Tcp4, Transports.Tcp4 + DotnetSuffix };

    /// <summary>The transport without the engine.</summary>
    public static string TransportOf(string name) => name.EndsWith(DotnetSuffix, StringComparison.Ordinal) ? name[..^DotnetSuffix.Length] : name;

    /// <summary><paramref name="options"/> (or defaults) set for the engine <paramref name="name"/> asks for.</summary>
    public static ServerOptions OptionsFor(string name, ServerOptions? options)
    {
        options ??= new ServerOptions();
        if (name.EndsWith(DotnetSuffix, StringComparison.Ordinal)) options.IoThreads = 0;
        return options;
    }
}
