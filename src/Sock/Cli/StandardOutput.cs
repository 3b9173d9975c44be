using Microsoft.Win32.SafeHandles;
using Sock.Core.Errors;
using Sock.Core.Platform.Linux;

namespace Sock.Cli;

/// <summary>
/// The process's standard output as the netcat relays write it. Disposing it ends stdout for whoever reads it, at once:
/// as ncat closes its stdout at the peer's end of stream, so a pipeline downstream sees EOF while sock goes on sending
/// stdin. Closing .NET's stream alone would not do: it writes through a duplicate of descriptor 1, and the console
/// keeps another, so every descriptor of this process that is stdout's pipe, file or socket is pointed at /dev/null
/// instead (dup2: the numbers stay valid, nothing else can take them). stderr is left alone even when it is the same
/// pipe (2&gt;&amp;1), as ncat leaves it. Only a pipe or a socket is ended so (a file or a terminal has no reader waiting
/// for the end), and not when stdout is also stdin (one socket for both).
/// It also reports a closed pipe: .NET's console stream treats EPIPE as success, so with its reader gone
/// (`sock connect … | head -c 10`) sock would go on reading the socket and writing into nothing, forever, at full
/// speed. A plain stream over descriptor 1 fails instead (SIGPIPE is ignored by the runtime: EPIPE). Pipes, sockets and
/// terminals get that stream; a file keeps the console's.
/// </summary>
internal sealed class StandardOutput : Stream
{
    private readonly Stream _inner = OpenDescriptor();
    private int _ended;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => _inner.Write(buffer);
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);
    public override void Flush() => _inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _ended, 1) == 0)
        {
            try { _inner.Flush(); }
            catch (IOException) { }
            _inner.Dispose();
            End();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private static void End()
    {
        if (!OperatingSystem.IsLinux() || !Console.IsOutputRedirected) return;
        var stdout = Target(1);
        // Only a pipe or a socket has a reader waiting for the end; a file or a terminal is left to the exit.
        if (stdout is null || !(stdout.StartsWith("pipe:", StringComparison.Ordinal) || stdout.StartsWith("socket:", StringComparison.Ordinal))
            || stdout == Target(0))
            return;
        try { Console.Out.Flush(); }
        catch (IOException) { }
        using var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write);
        var nullFd = (int)devNull.DangerousGetHandle();
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var fd) || fd is 0 or 2 || fd == nullFd) continue;
            if (Target(fd) == stdout) _ = Descriptor.Duplicate(nullFd, fd);
        }
        // Nothing more is meant for stdout; the console's writer now writes nowhere rather than into /dev/null's copy.
        Console.SetOut(TextWriter.Null);
    }

    /// <summary>What descriptor <paramref name="fd"/> is ("pipe:[123]", "socket:[456]", a file's path), or null.</summary>
    private static string? Target(int fd)
    {
        try { return new FileInfo($"/proc/self/fd/{fd}").LinkTarget; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>A stream over descriptor 1 that fails on EPIPE, or the console's for a file (and on Windows).</summary>
    private static Stream OpenDescriptor()
    {
        if (OperatingSystem.IsWindows()) return Console.OpenStandardOutput();
        try
        {
            var stream = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            if (!stream.CanSeek) return stream;
            // A file (`> out`, `>> log`): FileStream would write at a position of its own (pwrite), over what others
            // write to the same file; the console stream appends with write(2), and a file has no reader to lose.
            stream.Dispose();
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
        }
        return Console.OpenStandardOutput();
    }

    /// <summary>The error for a relay that stopped because stdout went away (EPIPE, or EBADF when it was closed at start).</summary>
    public static SockException Closed() =>
        new(SockErrorKind.Network, "write to", "stdout", "stdout closed (nothing reads it any more)");
}
