using System.Diagnostics;
using Sock.Core.Errors;

namespace Sock.Core.Forwarding;

/// <summary>
/// A target that is a program, one per client (socat's EXEC and SYSTEM, inetd's way): its stdin is what the client sends,
/// its stdout what the client gets; its stderr stays this process's. EXEC splits its command line on spaces and runs the
/// program itself; SYSTEM hands the line to /bin/sh -c. The client's end of stream closes the program's stdin; the
/// program's stdout ending is the end towards the client. When the leg ends, a program still running after half a second
/// is stopped.
/// </summary>
internal sealed class ProgramTarget : IForwardTarget
{
    private readonly string _commandLine;
    private readonly bool _shell;

    public ProgramTarget(string commandLine, bool shell)
    {
        _commandLine = commandLine;
        _shell = shell;
        if (!shell && commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 0)
            throw SockException.Usage("exec", commandLine, "no program to run");
        Name = (shell ? "system:" : "exec:") + commandLine;
    }

    public string Name { get; }

    public ValueTask<ForwardLeg> OpenAsync(ForwardClient client, CancellationToken cancellationToken) => ValueTask.FromResult(Open());

    /// <summary>Starts the program now.</summary>
    public ForwardLeg Open()
    {
        ProcessStartInfo psi;
        if (_shell)
        {
            psi = new ProcessStartInfo("/bin/sh");
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(_commandLine);
        }
        else
        {
            var words = _commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            psi = new ProcessStartInfo(words[0]);
            foreach (var w in words.Skip(1)) psi.ArgumentList.Add(w);
        }
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.UseShellExecute = false;
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new SockException(SockErrorKind.Usage, _shell ? "system" : "exec", _commandLine,
                ex is System.ComponentModel.Win32Exception w && w.NativeErrorCode == 13 ? "permission denied" : "no such program");
        }
        void Stop(bool now)
        {
            if (now || !process.WaitForExit(TimeSpan.FromMilliseconds(500)))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            }
        }
        var stdout = new OwningStream(process.StandardOutput.BaseStream, () =>
        {
            Stop(now: false);
            process.Dispose();
        });
        return new StreamLeg(stdout, process.StandardInput.BaseStream, Name, _ => Stop(now: true));
    }
}
