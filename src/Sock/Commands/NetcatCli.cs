using System.CommandLine;
using System.Net.Sockets;
using Sock.Core.Endpoints;
using Sock.Core.Errors;
using Sock.Core.Netcat;

namespace Sock.Cli.Commands;

/// <summary>The options `sock connect` and `sock listen` share, and running either from a <see cref="NetcatOptions"/>.</summary>
internal sealed class NetcatCli
{
    public readonly Option<bool> Udp = new("--udp", "-u") { Description = "UDP instead of TCP (with -U: a Unix datagram socket)" };
    public readonly Option<string?> Unix = new("--unix", "-U") { Description = "A Unix domain socket at PATH instead of an IP port", HelpName = "PATH" };
    public readonly Option<bool> V4 = new("-4") { Description = "IPv4 only" };
    public readonly Option<bool> V6 = new("-6") { Description = "IPv6 only" };
    public readonly Option<bool> NoDns = new("--nodns", "-n") { Description = "Never look names up: addresses only" };
    public readonly Option<string?> Wait = new("--wait", "-w") { Description = "Connect timeout (TIME: 500ms, 2s, 1m)", HelpName = "TIME" };
    public readonly Option<string?> Idle = new("--idle-timeout", "-i") { Description = "Close a connection when nothing moved either way for TIME", HelpName = "TIME" };
    public readonly Option<string?> Quit = new("-q") { Description = "Quit TIME after end of stdin (negative: wait for the peer forever)", HelpName = "TIME" };
    public readonly Option<bool> NoShutdown = new("--no-shutdown") { Description = "Keep the write side open at end of stdin (no SHUT_WR)" };
    public readonly Option<bool> RecvOnly = new("--recv-only") { Description = "Only receive: never read stdin" };
    public readonly Option<bool> SendOnly = new("--send-only") { Description = "Only send: what arrives is dropped" };
    public readonly Option<bool> NoStdin = new("--no-stdin", "-d") { Description = "Do not read stdin (ncat's -d)" };
    public readonly Option<bool> Crlf = new("--crlf", "-C") { Description = "Send LF as CRLF" };
    public readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Connection facts on stderr (repeat for more)" };
    public readonly Option<string?> Output = new("--output", "-o") { Description = "Record the session's bytes to FILE", HelpName = "FILE" };
    public readonly Option<string?> HexDump = new("--hex-dump", "-x") { Description = "Record the session to FILE as a hex dump with direction marks (> sent, < received)", HelpName = "FILE" };
    public readonly Option<bool> Append = new("--append-output") { Description = "Append to the -o/-x files instead of replacing them" };
    public readonly Option<string?> Exec = new("--exec", "-e") { Description = "Run PROGRAM with the connection as its stdin and stdout (NCAT_* variables set)", HelpName = "PROGRAM" };
    public readonly Option<bool> Progress = new("--progress") { Description = "Bytes sent and received and the rate on stderr, refreshed in place (default when stderr is a terminal and stdin is not)" };
    public readonly Option<string?> ShExec = new("--sh-exec", "-c") { Description = "Run COMMAND through /bin/sh -c with the connection as its stdin and stdout", HelpName = "COMMAND" };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Udp, Unix, V4, V6, NoDns, Wait, Idle, Quit, NoShutdown, RecvOnly, SendOnly, NoStdin, Crlf, Verbose, Output, HexDump, Append, Exec, ShExec, Progress })
            command.Options.Add(o);
    }

    public NetcatOptions Read(ParseResult parse)
    {
        var o = new NetcatOptions
        {
            Udp = parse.GetValue(Udp),
            UnixPath = parse.GetValue(Unix),
            NoDns = parse.GetValue(NoDns),
            NoShutdown = parse.GetValue(NoShutdown),
            ReceiveOnly = parse.GetValue(RecvOnly),
            SendOnly = parse.GetValue(SendOnly),
            NoStdin = parse.GetValue(NoStdin),
            Crlf = parse.GetValue(Crlf),
            OutputFile = parse.GetValue(Output),
            HexDumpFile = parse.GetValue(HexDump),
            AppendOutput = parse.GetValue(Append),
            Exec = parse.GetValue(Exec),
            ShellExec = parse.GetValue(ShExec),
            Verbosity = parse.Tokens.Count(t => t.Value is "-v" or "--verbose"),
        };
        if (parse.GetValue(V4) && parse.GetValue(V6)) throw SockException.Usage("family", "-4 -6", "choose one of -4 and -6");
        o.Family = parse.GetValue(V4) ? AddressFamily.InterNetwork : parse.GetValue(V6) ? AddressFamily.InterNetworkV6 : AddressFamily.Unspecified;
        if (parse.GetValue(Wait) is { } w) o.ConnectTimeout = Durations.ParsePositive(w, "-w");
        if (parse.GetValue(Idle) is { } i) o.IdleTimeout = Durations.ParsePositive(i, "-i");
        if (parse.GetValue(Quit) is { } q) o.QuitAfterEof = Durations.Parse(q, "-q");
        return o;
    }

    /// <summary>Checks combinations every mode refuses.</summary>
    public static void Validate(NetcatOptions o)
    {
        if (o.UnixPath is not null && o.Family != AddressFamily.Unspecified)
            throw SockException.Usage("family", o.Family == AddressFamily.InterNetwork ? "-4" : "-6", "does not apply to a Unix socket (-U)");
        if (o.Exec is not null && o.ShellExec is not null)
            throw SockException.Usage("exec", "-e and -c", "choose one");
        if (o.SendOnly && o.ReceiveOnly)
            throw SockException.Usage("mode", "--send-only --recv-only", "choose one");
        // -m 0 is ncat's "admit nobody" (every client is closed at once), not an error.
        if (o.MaxConnections < 0)
            throw SockException.Usage("-m", o.MaxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 0 or more");
        if (!o.Listen && (o.KeepOpen || o.Broker || o.Chat))
            throw SockException.Usage(o.KeepOpen ? "-k" : o.Broker ? "--broker" : "--chat", "(connect)", "only applies when listening");
        if (o.Udp && (o.Broker || o.Chat))
            throw SockException.Usage(o.Broker ? "--broker" : "--chat", "--udp", "the broker works over stream sockets only");
        if ((o.Broker || o.Chat) && (o.ReceiveOnly || o.SendOnly))
            throw SockException.Usage(o.ReceiveOnly ? "--recv-only" : "--send-only", o.Chat ? "(--chat)" : "(--broker)",
                "a broker relays between its clients both ways; to only collect or only send, use -k");
        if (o.ZeroIo && o.Listen)
            throw SockException.Usage("-z", "(listen)", "zero-I/O mode only applies when connecting");
        // Options that a mode cannot honour are refused, never dropped silently (scripts written for ncat rely on them).
        if (o.UnixPath is not null && o.SourcePort is { } sourcePort)
            throw SockException.Usage("-p", sourcePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "a port does not apply to a Unix socket (-U)");
        if ((o.Broker || o.Chat) && o.RunsProgram)
            throw SockException.Usage(o.Exec is not null ? "-e" : "-c", o.Chat ? "(--chat)" : "(--broker)",
                "a broker relays between its clients, a program takes each client whole; choose one (-k -e runs one per client)");
    }

    /// <summary>Runs connect or listen with stdin/stdout; returns the exit code.</summary>
    public static async Task<int> RunAsync(NetcatOptions o, System.CommandLine.ParseResult parse, CancellationToken ct, bool progress = false)
    {
        Validate(o);
        // By default when a file or pipe is being sent from a terminal session.
        progress |= !Console.IsErrorRedirected && Console.IsInputRedirected && !o.ZeroIo && !o.RunsProgram;
        await using var meter = progress ? new Rendering.TransferProgress(Console.Error, inPlace: !Console.IsErrorRedirected) : null;
        var trace = TraceWriter.FromOptions(parse);
        var log = new Rendering.NetcatStderrLog(o.Verbosity);
        // System.CommandLine cancels ct on SIGINT and SIGTERM; this only remembers which one came, for the exit code.
        using var signals = new SignalWatch();
        var input = Console.OpenStandardInput();
        // Ends stdout for the reader downstream when the relay is done with it (at the peer's end of stream).
        await using var output = new StandardOutput();
        try
        {
            if (!o.Listen)
            {
                var r = await NetcatClient.RunAsync(o, input, output, trace, log, ct,
                    meter is null ? null : relay => meter.Attach(() => (relay.BytesSent, relay.BytesReceived)));
                // Stdout went away (a closed pipe): stop, as ncat and socat do, and say so; a program's closed stdin is its own business.
                if (r?.End == RelayEnd.OutputClosed && !o.RunsProgram) throw StandardOutput.Closed();
                return r?.End == RelayEnd.Cancelled ? signals.ExitCode : r?.End == RelayEnd.Idle ? IdleExpired(o) : ExitCodes.Success;
            }
            RelayResult? result;
            if (o.Udp)
                result = await new DatagramListener(o, trace, log).RunAsync(input, output, ct);
            else
            {
                var listener = new StreamListener(o, trace, log);
                if (meter is not null) listener.RelayStarted += relay => meter.Attach(() => (relay.BytesSent, relay.BytesReceived));
                result = await listener.RunAsync(input, output, ct);
            }
            if (result?.End == RelayEnd.OutputClosed && !o.RunsProgram) throw StandardOutput.Closed();
            return ct.IsCancellationRequested || result?.End == RelayEnd.Cancelled ? signals.ExitCode
                : result?.End == RelayEnd.Idle ? IdleExpired(o) : ExitCodes.Success;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return signals.ExitCode;
        }
    }

    /// <summary>
    /// -i ran out: as ncat ("Idle timeout expired"), a session that went silent is a failure (exit 1), not a success;
    /// the script that set -i learns that the peer never finished.
    /// </summary>
    private static int IdleExpired(NetcatOptions o)
    {
        Console.Error.WriteLine($"sock: idle timeout expired: nothing moved either way for {Durations.Format(o.IdleTimeout!.Value)} (-i)");
        return ExitCodes.NetworkError;
    }

    /// <summary>"host port" for connect; "[addr] port" for listen.</summary>
    public static void SetTarget(NetcatOptions o, string? first, string? second)
    {
        foreach (var word in new[] { first, second })
        {
            if (word is { Length: > 1 } w && w[0] == '-' && !char.IsAsciiDigit(w[1]))
                throw SockException.Usage(o.Listen ? "listen" : "connect", w, $"unrecognized option (see 'sock {(o.Listen ? "listen" : "connect")} --help')");
        }
        if (o.Listen)
        {
            if (o.UnixPath is not null && (first ?? second) is { } extra)
                throw SockException.Usage("listen", extra, "with -U the socket path is the only address (no ADDR or PORT)");
            if (second is not null) { o.Host = first; o.Port = Ports.Parse(second, "port", allowZero: true); }
            else if (first is not null)
            {
                // All digits is a port, so 99999 is out of range rather than "not a port number".
                if (first.Length > 0 && first.All(char.IsAsciiDigit)) o.Port = Ports.Parse(first, "port", allowZero: true);
                else if (o.UnixPath is null) throw SockException.Usage("port", first, "not a port number (sock listen [ADDR] PORT)");
                else o.Host = first;
            }
            else if (o.UnixPath is null) throw SockException.Usage("listen", "(no port)", "a port to listen on is needed (sock listen [ADDR] PORT; 0 picks a free one)");
            return;
        }
        if (o.UnixPath is not null)
        {
            if (first is not null) throw SockException.Usage("connect", first, "with -U the socket path is the only address");
            return;
        }
        if (first is null) throw SockException.Usage("connect", "(no host)", "a host and a port are needed (sock connect HOST PORT)");
        if (second is null)
        {
            var (h, p) = EndpointText.Split(first);
            if (p is null) throw SockException.Usage("connect", first, "a port is needed (sock connect HOST PORT)");
            o.Host = h;
            o.Port = Ports.Parse(p);
            return;
        }
        if (!first.StartsWith('[') && first.Count(c => c == ':') == 1 || first.StartsWith('[') && first.Contains("]:", StringComparison.Ordinal))
            throw SockException.Usage("connect", $"{first} {second}", "HOST:PORT and PORT both given (write HOST PORT or HOST:PORT)");
        o.Host = first;
        o.Port = Ports.Parse(second);
    }

    /// <summary>Which of SIGINT/SIGTERM stopped sock: exit 130 or 143 as shells report them.</summary>
    internal sealed class SignalWatch : IDisposable
    {
        private readonly System.Runtime.InteropServices.PosixSignalRegistration _int;
        private readonly System.Runtime.InteropServices.PosixSignalRegistration _term;
        private volatile int _code = 130;

        public SignalWatch()
        {
            _int = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, _ => _code = 130);
            _term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, _ => _code = 143);
        }

        public int ExitCode => _code;

        public void Dispose()
        {
            _int.Dispose();
            _term.Dispose();
        }
    }
}
