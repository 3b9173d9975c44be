using Sock.Core.Errors;
using Sock.Core.Serving;

namespace Sock.Core.Inetd;

/// <summary>The catalogue of small services, built with the options they share.</summary>
public static class SmallServices
{
    /// <summary>Every service name, in the order of their ports.</summary>
    public static IReadOnlyList<string> Names { get; } = ["echo", "discard", "daytime", "qotd", "chargen", "time", "hello"];

    /// <summary>The port /etc/services gives <paramref name="name"/>; a usage error for an unknown name.</summary>
    public static int StandardPort(string name) => name switch
    {
        "echo" => 7,
        "discard" => 9,
        "daytime" => 13,
        "qotd" => 17,
        "chargen" => 19,
        "time" => 37,
        "hello" => 8080,
        _ => throw Unknown(name),
    };

    /// <summary>Builds the service called <paramref name="name"/>.</summary>
    /// <param name="name">echo, discard, daytime, qotd, chargen, time or hello.</param>
    /// <param name="quotes">qotd's quotes (null: the built-in list).</param>
    /// <param name="messages">Where hello reports what clients say (null: nowhere); hello awaits it before it replies.</param>
    public static SmallService Create(string name, IReadOnlyList<string>? quotes = null, Func<ServiceMessage, ValueTask>? messages = null) => name switch
    {
        "echo" => new(name, 7, "RFC 862", "sends back what it receives", EchoService.Receiver.Stream, EchoService.ServeAsync),
        "discard" => new(name, 9, "RFC 863", "reads and throws away what it receives", DiscardService.Receiver.Stream, DiscardService.ServeAsync),
        "daytime" => new(name, 13, "RFC 867", "sends the date and time as a line of text", DaytimeService.ServeAsync, DaytimeService.ServeAsync),
        "qotd" => QotdService.Create(quotes ?? QotdService.BuiltInQuotes),
        "chargen" => new(name, 19, "RFC 864", "sends lines of rotating printable characters", ChargenService.Receiver.Stream, ChargenService.ServeAsync),
        "time" => new(name, 37, "RFC 868", "sends the seconds since 1900 as a 32-bit big-endian number", TimeService.ServeAsync, TimeService.ServeAsync),
        "hello" => HelloService.Create(messages),
        _ => throw Unknown(name),
    };

    private static SockException Unknown(string name) =>
        SockException.Usage("service", name, $"unknown (known: {string.Join(", ", Names)})");
}
