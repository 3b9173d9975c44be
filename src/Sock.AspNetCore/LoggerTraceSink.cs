using Microsoft.Extensions.Logging;
using Sock.Core.Tracing;

namespace Sock.AspNetCore;

/// <summary>The BSD-call trace as log lines of the "Sock.Trace" category, at Trace level.</summary>
internal sealed partial class LoggerTraceSink(ILogger logger) : ITraceSink
{
    /// <summary>The log category the trace writes to.</summary>
    public const string Category = "Sock.Trace";

    public void Write(TimeSpan sinceStart, string call) => Call(logger, sinceStart.TotalMilliseconds, call);

    [LoggerMessage(EventId = 1, EventName = "SocketCall", Level = LogLevel.Trace, Message = "+{Milliseconds:0.000}ms {Call}")]
    private static partial void Call(ILogger logger, double milliseconds, string call);
}
