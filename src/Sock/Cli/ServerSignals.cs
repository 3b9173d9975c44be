using System.Runtime.InteropServices;

namespace Sock.Cli;

/// <summary>
/// The signals of a command that serves until stopped (serve, forward, proxy, agent): SIGINT and SIGTERM start its
/// graceful stop (<see cref="Stopping"/>), and SIGUSR1 prints its status table. They are registered as the action's
/// first step rather than left to System.CommandLine, which registers its own handlers only once the action has reached
/// its first await (a signal just after the "serving" lines would end the process with 143) and ends the process 2 s
/// later, cutting a drain short; the commands that drain are listed in <see cref="DrainsOnStop"/>.
/// </summary>
internal sealed class ServerSignals : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;
    private PosixSignalRegistration? _usr1;

    private ServerSignals(CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStop);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStop);
    }

    /// <summary>
    /// The commands that drain on SIGINT/SIGTERM: System.CommandLine must not end them 2 s after the signal (its default
    /// for every other command) or the drain is cut short or raced.
    /// </summary>
    public static bool DrainsOnStop(string command) => command is "serve" or "forward" or "proxy";

    /// <summary>Registers SIGINT and SIGTERM as a stop (of <paramref name="cancellationToken"/> too).</summary>
    public static ServerSignals Register(CancellationToken cancellationToken) => new(cancellationToken);

    /// <summary>Cancelled by SIGINT, SIGTERM or the command's own token.</summary>
    public CancellationToken Stopping => _stop.Token;

    /// <summary>On SIGUSR1, runs <paramref name="print"/> (the status table); where the system has no SIGUSR1, nothing.</summary>
    public void OnStatusSignal(Action print)
    {
        // SIGUSR1 is 10 on Linux, 30 on the BSDs and macOS; .NET takes raw numbers cast to PosixSignal.
        var number = OperatingSystem.IsLinux() ? 10 : OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 30 : 0;
        if (number == 0) return;
        _usr1?.Dispose();
        _usr1 = PosixSignalRegistration.Create((PosixSignal)number, context =>
        {
            context.Cancel = true;
            print();
        });
    }

    private void OnStop(PosixSignalContext context)
    {
        context.Cancel = true;
        try { _stop.Cancel(); } catch (ObjectDisposedException) { } // a signal during the last moments of exit
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _usr1?.Dispose();
        _sigterm.Dispose();
        _sigint.Dispose();
        _stop.Dispose();
    }
}
