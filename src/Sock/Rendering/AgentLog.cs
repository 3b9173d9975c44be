using Sock.Core.Snmp;

namespace Sock.Cli.Rendering;

/// <summary>
/// sock agent's request log on stdout, one line per request, in the form of the renderer chosen (<see cref="AgentTextLog"/>
/// with -v, <see cref="AgentJsonLog"/> with --json). Lines go through the printer's queue and are never waited for: a
/// line the queue has no room for (stdout not read) is counted instead.
/// </summary>
internal abstract class AgentLog(LinePrinter printer) : IRenderer<SnmpRequestRecord>
{
    private long _dropped;

    /// <summary>Lines the queue had no room for.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Render(SnmpRequestRecord request)
    {
        if (!printer.TryPrint(Format(request))) Interlocked.Increment(ref _dropped);
    }

    /// <summary>The request as one line of this log.</summary>
    protected abstract string Format(SnmpRequestRecord request);
}
