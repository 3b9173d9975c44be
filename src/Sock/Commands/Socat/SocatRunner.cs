using System.CommandLine;
using System.Net;
using Sock.Cli.Rendering;
using Sock.Core.Errors;
using Sock.Core.Forwarding;
using Sock.Core.Socat;
using Sock.Core.Tracing;

namespace Sock.Cli.Commands;

/// <summary>
/// Runs a socat command line on the forwarding library, as socat would: the first address is opened first. A listening
/// address is a <see cref="Forwarder"/> (with fork every client, each with its own second address, all in this process;
/// without it the first client only, and the run ends with it); any other address is a target whose leg is opened for
/// the client, or at once when nothing listens; two legs opened at once are relayed by <see cref="ForwardRelay"/>. The
/// relay follows socat's -t, -T, -u/-U and crlf, and sock exits 0 at the end, as socat exits at EOF.
/// </summary>
internal sealed class SocatRunner
{
    private readonly SocatInvocation _inv;
    private readonly SocketTrace? _trace;
    private readonly SocatLog _log;
    private StandardOutput? _stdout;

    private SocatRunner(SocatInvocation inv, SocketTrace? trace)
    {
        _inv = inv;
        _trace = trace;
        _log = new SocatLog(Console.Error, inv.DebugLevel, inv.Verbose, inv.Hex);
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
            var code = await runner.RunAsync(first, second, ct).ConfigureAwait(false);
            return ct.IsCancellationRequested ? signals.ExitCode : code;
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

    private async Task<int> RunAsync(SocatAddress first, SocatAddress second, CancellationToken ct)
    {
        if (first.Type.Kind == SocatKind.Listen)
            return first.Type.IsUdp ? await DatagramAsync(first, second, ct).ConfigureAwait(false)
                : await ServeAsync(first, second, Target(second, position: 2, await SocatEndpoints.OptionsAsync(first, second, _trace, ct).ConfigureAwait(false)), swapped: false, ct).ConfigureAwait(false);
        var leftOptions = new ForwardOptions { Trace = _trace };
        await using var left = await OpenAsync(first, position: 1, leftOptions, ct).ConfigureAwait(false);
        if (second.Type.Kind == SocatKind.Listen)
        {
            if (second.Type.IsUdp)
            {
                await using var received = await ReceiveFirstAsync(second, ct).ConfigureAwait(false);
                await RelayAsync(left, received, first, second, ct).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            // The first address is open; the one client of the second is relayed to it (directions turned round).
            var options = await SocatEndpoints.OptionsAsync(second, null, _trace, ct).ConfigureAwait(false);
            return await ServeAsync(second, first, new LegTarget(left), swapped: true, ct, options).ConfigureAwait(false);
        }
        await using var right = await OpenAsync(second, position: 2, await ConnectOptionsAsync(second, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        await RelayAsync(left, right, first, second, ct).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>A stream listener: every client with fork, the first only without (the run then ends with it).</summary>
    private async Task<int> ServeAsync(SocatAddress listen, SocatAddress other, IForwardTarget target, bool swapped, CancellationToken ct, ForwardOptions? given = null)
    {
        var options = given ?? await SocatEndpoints.OptionsAsync(listen, other, _trace, ct).ConfigureAwait(false);
        // The client is the listening address, the target the other one: socat's directions follow which one is first.
        var (client, far) = (listen, other);
        options.Relay = Relay(client, far, swapped);
        _log.Swapped = swapped;
        var endpoint = SocatEndpoints.ListenEndpoint(listen, _inv.Family);
        if (listen.Flag("unlink-early") && endpoint.Path is { } stale && !Sock.Core.Endpoints.EndpointText.IsAbstract(stale))
        {
            try { File.Delete(stale); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new SockException(SockErrorKind.Usage, "socat unlink-early", stale, FileErrorText.Describe(ex, stale));
            }
        }
        await using var forwarder = new Forwarder(endpoint, target, options, _log);
        var bound = forwarder.Start();
        if (!OperatingSystem.IsWindows() && listen.Option("mode") is not null && endpoint.Path is { } path && !Sock.Core.Endpoints.EndpointText.IsAbstract(path))
            File.SetUnixFileMode(path, SocatEndpoints.Mode(listen)!.Value);
        _log.Notice($"listening on {Sock.Core.Endpoints.EndpointText.Format(bound)}");
        if (listen.Flag("fork"))
        {
            try { await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            await forwarder.StopAsync().ConfigureAwait(false);
            return ExitCodes.Success;
        }
        await Task.WhenAny(_log.FirstSessionEnded, Task.Delay(Timeout.Infinite, ct)).ConfigureAwait(false);
        await forwarder.StopAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        // The line was printed when it happened; the exit status says the run failed.
        return _log.FirstFailure is null ? ExitCodes.Success : ExitCodes.NetworkError;
    }

    /// <summary>
    /// UDP-LISTEN and UDP-RECVFROM first: with fork, every client in this process — to a UDP address the datagram
    /// forwarder (a session per client address, its own socket towards the target); to anything else (TCP, Unix, TLS,
    /// EXEC, SYSTEM…) a session per client address (UDP-LISTEN) or per datagram (UDP-RECVFROM) with its own target leg,
    /// as socat's children. Without fork, the first peer only.
    /// </summary>
    private async Task<int> DatagramAsync(SocatAddress listen, SocatAddress other, CancellationToken ct)
    {
        if (listen.Flag("fork"))
        {
            var options = await SocatEndpoints.OptionsAsync(listen, other, _trace, ct).ConfigureAwait(false);
            if (_inv.IdleTimeout is { } idle) options.UdpIdleTimeout = idle;
            var endpoint = SocatEndpoints.ListenEndpoint(listen, _inv.Family);
            var toUdp = other.Type.Kind == SocatKind.Connect && other.Type.IsUdp;
            if (!toUdp)
            {
                // socat's child per client: its bytes to the target as a stream, the target's back as datagrams; -t, -T,
                // -u/-U and crlf as a stream pair's.
                options.SessionPerDatagram = listen.Type.Name == "UDP-RECVFROM";
                options.Relay = Relay(listen, other, swapped: false);
                _log.Swapped = false;
            }
            else
            {
                options.MaxSessions = 0;
            }
            await using var forwarder = toUdp
                ? new Forwarder(endpoint, SocatEndpoints.DatagramEndpoint(other, _inv.Family), options, _log)
                : new Forwarder(endpoint, Target(other, position: 2, options), options, _log);
            var bound = forwarder.Start();
            _log.Notice($"listening on {Sock.Core.Endpoints.EndpointText.Format(bound)}");
            try { await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            await forwarder.StopAsync().ConfigureAwait(false);
            return ExitCodes.Success;
        }
        await using var left = await ReceiveFirstAsync(listen, ct).ConfigureAwait(false);
        await using var right = await OpenAsync(other, position: 2, await ConnectOptionsAsync(other, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        await RelayAsync(left, right, listen, other, ct).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private async Task<ForwardLeg> ReceiveFirstAsync(SocatAddress listen, CancellationToken ct)
    {
        var endpoint = SocatEndpoints.ListenEndpoint(listen, _inv.Family);
        var ranges = await SocatEndpoints.OptionsAsync(listen, null, _trace, ct).ConfigureAwait(false);
        var access = await Sock.Core.Netcat.AccessList.CreateAsync(SocatEndpoints.Ranges(listen), [], noDns: true, ct).ConfigureAwait(false);
        _ = ranges;
        return await FirstDatagram.ReceiveAsync(endpoint.ListenEndPoint(), endpoint.ListensDualMode, listen.Type.Name == "UDP-RECVFROM", access, _trace,
            at => _log.Notice($"listening on {Sock.Core.Endpoints.EndpointText.Format(at)}"), ct).ConfigureAwait(false);
    }

    private async Task<ForwardOptions> ConnectOptionsAsync(SocatAddress a, CancellationToken ct)
    {
        var o = new ForwardOptions { Trace = _trace };
        if (a.Type.Kind != SocatKind.Connect) return o;
        // The connect options of the address alone (no listener here): as the forwarder's target would take them.
        var withListen = await SocatEndpoints.OptionsAsync(a, a, _trace, ct).ConfigureAwait(false);
        withListen.MaxSessions = 0;
        withListen.Admission = null;
        withListen.ServerTls = null;
        return withListen;
    }

    private IForwardTarget Target(SocatAddress a, int position, ForwardOptions options)
    {
        // -u: the first address is only read and the second only written; -U the other way round.
        var reads = position == 1 ? _inv.Direction != SocatDirection.RightToLeft : _inv.Direction != SocatDirection.LeftToRight;
        var writes = position == 1 ? _inv.Direction != SocatDirection.LeftToRight : _inv.Direction != SocatDirection.RightToLeft;
        return SocatEndpoints.Target(a, _inv.Family, reads, writes, options, Stdio);
    }

    private async Task<ForwardLeg> OpenAsync(SocatAddress a, int position, ForwardOptions options, CancellationToken ct)
    {
        var target = Target(a, position, options);
        var leg = await target.OpenAsync(new ForwardClient { SessionId = 0, Description = "-" }, ct).ConfigureAwait(false);
        _log.Notice($"opened {leg.Description}");
        return leg;
    }

    private ForwardLeg Stdio(SocatAddress a)
    {
        Stream input = a.Type.Name == "STDOUT" ? Stream.Null : new NonClosingStream(Console.OpenStandardInput());
        Stream output = a.Type.Name == "STDIN" ? Stream.Null : _stdout ??= new StandardOutput();
        return new StreamLeg(input, output, a.Type.Name.ToLowerInvariant());
    }

    /// <summary>The relay's options: socat's -t, -T, -u/-U (and the one-way ends), crlf, seen from the client (the listening address, or the first).</summary>
    private ForwardRelayOptions Relay(SocatAddress client, SocatAddress far, bool swapped)
    {
        // Which of the two is socat's first address decides what -u and -U mean here.
        var (first, second) = swapped ? (far, client) : (client, far);
        var firstToSecond = _inv.Direction != SocatDirection.RightToLeft && SocatEndpoints.CanRead(first) && SocatEndpoints.CanWrite(second);
        var secondToFirst = _inv.Direction != SocatDirection.LeftToRight && SocatEndpoints.CanRead(second) && SocatEndpoints.CanWrite(first);
        return new ForwardRelayOptions
        {
            ToTarget = swapped ? secondToFirst : firstToSecond,
            ToClient = swapped ? firstToSecond : secondToFirst,
            IdleTimeout = _inv.IdleTimeout,
            CloseTimeout = _inv.CloseTimeout,
            ClientCrlf = client.Flag("crlf"),
            TargetCrlf = far.Flag("crlf"),
        };
    }

    private async Task RelayAsync(ForwardLeg left, ForwardLeg right, SocatAddress first, SocatAddress second, CancellationToken ct)
    {
        var session = new ForwardSession(1, left, right.Description, right);
        _log.Swapped = false;
        _log.Notice($"starting data transfer loop between {left.Description} and {right.Description}");
        using var stop = ct.Register(() =>
        {
            left.Abort("stopped", reset: false);
            right.Abort("stopped", reset: false);
        });
        await ForwardRelay.RunAsync(session, _log, Relay(first, second, swapped: false)).ConfigureAwait(false);
        _log.Notice($"{session.CloseReason}; {session.BytesToTarget} bytes from the first address, {session.BytesToClient} from the second");
    }

    /// <summary>stdin for a leg: the leg's end disposes it, but the process's stdin stays (a pending read is left to the exit).</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
