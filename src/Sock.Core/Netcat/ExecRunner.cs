using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Sockets;

namespace Sock.Core.Netcat;

/// <summary>
/// -e/-c: runs a program whose stdin and stdout are the connection, inetd-style, with ncat's environment:
/// NCAT_REMOTE_ADDR, NCAT_REMOTE_PORT, NCAT_LOCAL_ADDR, NCAT_LOCAL_PORT, NCAT_PROTO. Its stderr stays sock's stderr.
/// </summary>
internal static class ExecRunner
{
    /// <summary>Runs the program for one connection and relays until both it and the connection are done.</summary>
    public static Task<RelayResult> RunAsync(TracedSocket socket, NetcatOptions options, SessionRecorder? recorder, CancellationToken ct) =>
        RunAsync(socket, options, recorder, ReadOnlyMemory<byte>.Empty, ct);

    /// <summary>
    /// Runs the program for one connection; <paramref name="first"/> is a datagram already received (UDP listen),
    /// written to the program before the relay starts. Over a datagram socket each read of the program's output is
    /// one datagram, and the session ends when the program's output ends (after -q, when given). Over a stream socket
    /// with <paramref name="tls"/>, the program talks through the TLS session.
    /// </summary>
    public static async Task<RelayResult> RunAsync(TracedSocket socket, NetcatOptions options, SessionRecorder? recorder,
        ReadOnlyMemory<byte> first, CancellationToken ct, System.Net.Security.SslStream? tls = null)
    {
        var psi = StartInfo(options);
        AddEnvironment(psi, socket, options);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw StartFailed(psi.FileName, ex);
        }
        using (process)
        {
            try
            {
                var stdin = process.StandardInput.BaseStream;
                var stdout = process.StandardOutput.BaseStream;
                var relayOptions = options;
                if (socket.Socket.SocketType == SocketType.Dgram)
                {
                    if (!first.IsEmpty)
                    {
                        await stdin.WriteAsync(first, ct).ConfigureAwait(false);
                        await stdin.FlushAsync(ct).ConfigureAwait(false);
                    }
                    // A datagram session ends with the program's output (no close will come from the peer).
                    if (options.QuitAfterEof is null)
                    {
                        relayOptions = options.Copy();
                        relayOptions.QuitAfterEof = TimeSpan.Zero;
                    }
                }
                var relay = new Relay(socket, stdout, stdin, relayOptions, recorder, tls) { FinishInputAfterPeerClose = true };
                return await relay.RunAsync(ct).ConfigureAwait(false);
            }
            finally
            {
                try { process.StandardInput.Close(); } catch (IOException) { } catch (ObjectDisposedException) { }
                if (!process.WaitForExit(TimeSpan.FromMilliseconds(500)))
                {
                    try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                }
            }
        }
    }

    /// <summary>Checks that the program can be found before any connection is made.</summary>
    public static ProcessStartInfo StartInfo(NetcatOptions options)
    {
        ProcessStartInfo psi;
        if (options.ShellExec is { } sh)
        {
            psi = new ProcessStartInfo("/bin/sh");
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(sh);
        }
        else
        {
            var words = (options.Exec ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) throw SockException.Usage("--exec", "''", "no program given");
            psi = new ProcessStartInfo(words[0]);
            foreach (var w in words.Skip(1)) psi.ArgumentList.Add(w);
        }
        psi.UseShellExecute = false;
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = false;
        return psi;
    }

    private static void AddEnvironment(ProcessStartInfo psi, TracedSocket socket, NetcatOptions options) =>
        AddEnvironment(psi, socket.Socket.LocalEndPoint, socket.Socket.RemoteEndPoint, options);

    private static void AddEnvironment(ProcessStartInfo psi, EndPoint? local, EndPoint? remote, NetcatOptions options)
    {
        var proto = options.Udp ? "UDP" : options.UnixPath is not null ? "UNIX" : "TCP";
        psi.Environment["NCAT_PROTO"] = proto;
        Set(psi, "REMOTE", remote);
        Set(psi, "LOCAL", local);
    }

    /// <summary>Starts the program for one UDP peer of a -k listener (stdin and stdout redirected, NCAT_* set).</summary>
    public static Process StartFor(NetcatOptions options, EndPoint? local, EndPoint remote)
    {
        var psi = StartInfo(options);
        AddEnvironment(psi, local, remote, options);
        try
        {
            return Process.Start(psi) ?? throw new InvalidOperationException();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw StartFailed(psi.FileName, ex);
        }
    }

    /// <summary>Why a program did not start, in errno's words rather than .NET's "An error occurred trying to start process".</summary>
    private static SockException StartFailed(string program, Exception ex) => new(SockErrorKind.Usage, "run", program,
        (ex as System.ComponentModel.Win32Exception)?.NativeErrorCode switch
        {
            2 => "program not found",
            13 => "permission denied (not an executable file the user may run)",
            8 => "not an executable program (exec format error)",
            20 => "a directory in the path is not a directory",
            _ => "could not be started",
        });

    private static void Set(ProcessStartInfo psi, string which, EndPoint? ep)
    {
        if (ep is IPEndPoint ip)
        {
            var a = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
            psi.Environment[$"NCAT_{which}_ADDR"] = a.ToString();
            psi.Environment[$"NCAT_{which}_PORT"] = ip.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (ep is UnixDomainSocketEndPoint u)
        {
            psi.Environment[$"NCAT_{which}_ADDR"] = u.ToString();
        }
    }
}
