using System.Runtime.InteropServices;

namespace Sock.Cli;

/// <summary>
/// The process's standard output as the netcat relays write it. Disposing it ends stdout for whoever reads it, at once:
/// as ncat closes its stdout at the peer's end of stream, so a pipeline downstream sees EOF while sock goes on sending
/// stdin. Closing .NET's stream alone would not do: it writes through a duplicate of descriptor 1, and the console
/// keeps another, so every descriptor of this process that is stdout's pipe, file or socket is pointed at /dev/null
/// instead (dup2: the numbers stay valid, nothing else can take them). stderr is left alone even when it is the same
/// pipe (2&gt;&amp;1), as ncat leaves it. Only a pipe or a socket is ended so (a file or a terminal has no reader waiting
/// for the end), and not when stdout is also stdin (one socket for both).
/// </summary>
internal sealed partial class StandardOutput : Stream
{
    private readonly Stream _inner = Console.OpenStandardOutput();
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
            if (Target(fd) == stdout) Dup2(nullFd, fd);
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

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);
}
