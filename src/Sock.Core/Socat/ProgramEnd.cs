using System.Diagnostics;
using Sock.Core.Errors;

namespace Sock.Core.Socat;

/// <summary>
/// socat's EXEC and SYSTEM: a program whose stdin and stdout are the channel (EXEC splits its command line on spaces
/// and runs the program itself; SYSTEM hands the line to /bin/sh -c). Its stderr stays sock's. Shutting down the write
/// side closes its stdin; its stdout ending is the end of input.
/// </summary>
internal sealed class ProgramEnd : StreamEnd
{
    private readonly Process _process;

    private ProgramEnd(string name, Process process)
        : base(name, process.StandardOutput.BaseStream, process.StandardInput.BaseStream) => _process = process;

    /// <summary>Starts EXEC's program (<paramref name="shell"/> false) or SYSTEM's command line (true).</summary>
    public static ProgramEnd Start(string commandLine, bool shell, bool crlf = false)
    {
        ProcessStartInfo psi;
        if (shell)
        {
            psi = new ProcessStartInfo("/bin/sh");
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(commandLine);
        }
        else
        {
            var words = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) throw SockException.Usage("socat EXEC", commandLine, "no program to run");
            psi = new ProcessStartInfo(words[0]);
            foreach (var w in words.Skip(1)) psi.ArgumentList.Add(w);
        }
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.UseShellExecute = false;
        try
        {
            var process = Process.Start(psi) ?? throw new InvalidOperationException();
            return new ProgramEnd((shell ? "SYSTEM " : "EXEC ") + commandLine, process) { Crlf = crlf };
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new SockException(SockErrorKind.Usage, shell ? "socat SYSTEM" : "socat EXEC", commandLine,
                ex is System.ComponentModel.Win32Exception w && w.NativeErrorCode == 13 ? "permission denied" : "no such program");
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        // Its stdin is closed: a program that does not end on that within a moment is stopped.
        if (!_process.WaitForExit(TimeSpan.FromMilliseconds(500)))
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        _process.Dispose();
    }
}
