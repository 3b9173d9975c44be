using System.CommandLine;
using Sock.Cli.Rendering;
using Sock.Core.Errors;
using Sock.Core.Socat;
using Sock.Core.Tracing;

namespace Sock.Cli.Commands;

/// <summary>
/// Runs a socat command line on sock's library, as socat would: the first address is opened first. A listening first
/// address waits for a client (every client, with fork, each with its own second address, all in this process); a
/// listening second address is opened after the first. The two ends are then relayed until both directions end
/// (or -t, -T), and sock exits 0, as socat exits at EOF.
/// </summary>
internal sealed class SocatRunner
{
    private readonly SocatInvocation _inv;
    private readonly SocketTrace? _trace;
    private readonly SocatLog _log;
    private readonly SocatRelayOptions _relay;
    private StandardOutput? _stdout;

    private SocatRunner(SocatInvocation inv, SocketTrace? trace)
    {
        _inv = inv;
        _trace = trace;
        _log = new SocatLog(Console.Error, inv.DebugLevel, inv.Verbose, inv.Hex);
        _relay = new SocatRelayOptions
        {
            CloseTimeout = inv.CloseTimeout,
            IdleTimeout = inv.IdleTimeout,
            Direction = inv.Direction,
            BufferSize = inv.BufferSize,
        };
    }

    public static async Task<int> RunAsync(SocatInvocation inv, ParseResult parse, CancellationToken ct)
    {
        var first = inv.First!;
        var second = inv.Second!;
        if (second.Flag("fork"))
            throw SockException.Usage("socat address", $"'{second.Text}'", "fork applies to the first address in sock socat (put the listening address first)");
        var runner = new SocatRunner(inv, TraceWriter.FromOptions(parse));
        using var signals = new NetcatCli.SignalWatch();
        try
        {
            await runner.RunAsync(first, second, ct).ConfigureAwait(false);
            return ct.IsCancellationRequested ? signals.ExitCode : ExitCodes.Success;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return signals.ExitCode;
        }
        finally
        {
            if (runner._stdout is not null) await runner._stdout.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RunAsync(SocatAddress first, SocatAddress second, CancellationToken ct)
    {
        if (first.Type.Kind == SocatKind.Listen)
        {
            await ListenAsync(first, async (left, t) =>
            {
                if (second.Type.Kind == SocatKind.Listen)
                {
                    await ListenAsync(second, (right, t2) => RelayAsync(left, right, t2), t).ConfigureAwait(false);
                    return;
                }
                await using var right = await OpenAsync(second, position: 2, t).ConfigureAwait(false);
                await RelayAsync(left, right, t).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
            return;
        }
        await using var left = await OpenAsync(first, position: 1, ct).ConfigureAwait(false);
        if (second.Type.Kind == SocatKind.Listen)
        {
            await ListenAsync(second, (right, t) => RelayAsync(left, right, t), ct).ConfigureAwait(false);
            return;
        }
        await using var end = await OpenAsync(second, position: 2, ct).ConfigureAwait(false);
        await RelayAsync(left, end, ct).ConfigureAwait(false);
    }

    private Task ListenAsync(SocatAddress a, Func<SocatEnd, CancellationToken, Task> serve, CancellationToken ct)
    {
        var options = SocatEndpoints.Listen(a, _inv.Family);
        return a.Type.IsUdp
            ? SocatDatagramListener.RunAsync(options, serve, _trace, _log, listening: null, ct)
            : SocatStreamListener.RunAsync(options, serve, _trace, _log, listening: null, ct);
    }

    private async Task<SocatEnd> OpenAsync(SocatAddress a, int position, CancellationToken ct)
    {
        if (a.Type.Kind == SocatKind.Connect)
        {
            var end = await SocatConnector.ConnectAsync(SocatEndpoints.Connect(a, _inv.Family), _trace, _log, ct).ConfigureAwait(false);
            _log.Notice($"opened {end.Name}");
            return end;
        }
        // -u: the first address is only read and the second only written; -U the other way round.
        var reads = position == 1 ? _inv.Direction != SocatDirection.RightToLeft : _inv.Direction != SocatDirection.LeftToRight;
        var writes = position == 1 ? _inv.Direction != SocatDirection.LeftToRight : _inv.Direction != SocatDirection.RightToLeft;
        return SocatEndpoints.OpenLocal(a, reads, writes, Stdio);
    }

    private SocatEnd Stdio(SocatAddress a)
    {
        var crlf = a.Flag("crlf");
        var ignoreEof = a.Flag("ignoreeof");
        Stream? input = a.Type.Name == "STDOUT" ? null : Console.OpenStandardInput();
        Stream? output = null;
        if (a.Type.Name != "STDIN") output = _stdout ??= new StandardOutput();
        return new StreamEnd(a.Type.Name, input, output) { Crlf = crlf, IgnoreEof = ignoreEof };
    }

    private async Task RelayAsync(SocatEnd left, SocatEnd right, CancellationToken ct)
    {
        var relay = new SocatRelay(left, right, _relay, _log);
        _log.Notice($"relay {relay.Id}: starting data transfer loop between {left.Name} and {right.Name}");
        await relay.RunAsync(ct).ConfigureAwait(false);
        _log.Notice($"relay {relay.Id}: done, {relay.LeftToRight} bytes from the first address, {relay.RightToLeft} from the second");
    }
}
