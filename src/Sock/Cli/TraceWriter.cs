using System.Globalization;
using Sock.Core.Tracing;

namespace Sock.Cli;

/// <summary>Writes trace lines as "+3.120ms accept(5) = 6 from 127.0.0.1:51234".</summary>
internal sealed class TraceWriter(TextWriter writer, string indent = "") : ITraceSink
{
    public void Write(TimeSpan sinceStart, string call)
    {
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{indent}+{sinceStart.TotalMilliseconds:0.000}ms {call}"));
        writer.Flush();
    }

    /// <summary>The trace the global --trace option asks for, or null.</summary>
    public static SocketTrace? FromOptions(System.CommandLine.ParseResult parse) =>
        parse.GetValue(GlobalOptions.Trace) ? new SocketTrace(new TraceWriter(Console.Error)) : null;
}
