using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using Sock.Core.Forwarding;

namespace Sock.Cli.Rendering;

/// <summary>
/// What `sock forward` reports, as text (<see cref="ForwardTextLog"/>) or NDJSON (<see cref="ForwardJsonLog"/>): the
/// forwarder's events (it is the forwarder's observer), and the command's own — where it listens, the certificate, the
/// status table, the stop. With --dump or --hex the relayed bytes go to <see cref="Dump"/>.
/// </summary>
internal abstract class ForwardLog : ForwardObserver
{
    /// <summary>Where --dump/--hex write the relayed bytes; null without them.</summary>
    public ForwardDump? Dump { get; init; }

    public override bool ObservesData => Dump is not null;

    public override void Data(ForwardSession session, ForwardDirection direction, ReadOnlySequence<byte> data) =>
        Dump?.Write(session, direction, data);

    public abstract void Listening(Forwarder forwarder, System.Net.EndPoint bound);

    public abstract void Certificate(X509Certificate2 certificate, bool temporary);

    public abstract void Status(IReadOnlyList<ForwardSession> sessions);

    public abstract void Stopping(int open, TimeSpan drain);

    public abstract void Stopped(Forwarder forwarder, int forced);
}
