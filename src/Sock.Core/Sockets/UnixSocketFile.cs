using System.Collections.Concurrent;
using Sock.Core.Errors;
using Sock.Core.Platform;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Sockets;

/// <summary>
/// The file a Unix domain socket is bound to: a stale one (nothing listening) is removed before bind; a file that is
/// not a socket, a symbolic link, or a file whose type cannot be read is never touched; the files sock made are removed
/// when it exits.
/// </summary>
internal static class UnixSocketFile
{
    private static readonly ConcurrentDictionary<string, bool> Owned = new();
    private static int _hooked;

    /// <summary>
    /// Makes <paramref name="path"/> free to bind: removes a socket file nothing answers on, refuses anything else — a
    /// symbolic link (never followed, never removed), a file that is not a socket, one whose type cannot be read.
    /// </summary>
    public static void PrepareForBind(string path) => PrepareForBind(path, Kind);

    /// <summary><see cref="PrepareForBind(string)"/> with the file type read by <paramref name="kindOf"/>.</summary>
    internal static void PrepareForBind(string path, Func<string, FileKind> kindOf)
    {
        if (path.StartsWith('\0') || path.StartsWith('@')) return; // abstract namespace: no file
        var kind = kindOf(path);
        if (kind == FileKind.Missing) return;
        if (kind != FileKind.Socket)
        {
            throw new SockException(SockErrorKind.Usage, "bind to", path, kind switch
            {
                FileKind.SymbolicLink => "is a symbolic link (refusing to follow or replace it)",
                FileKind.Directory => "is a directory, not a socket file",
                FileKind.Unknown => "exists and its file type cannot be read (refusing to replace it)",
                _ => "exists and is not a socket (refusing to replace it)",
            });
        }
        if (SomeoneListens(path))
            throw new SockException(SockErrorKind.Network, "bind to", path, "address already in use (a process is listening on this socket file)",
                System.Net.Sockets.SocketError.AddressAlreadyInUse);
        try
        {
            File.Delete(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw new SockException(SockErrorKind.Network, "bind to", path, "permission denied (cannot remove the stale socket file)",
                System.Net.Sockets.SocketError.AccessDenied);
        }
    }

    /// <summary>Removes <paramref name="path"/> when the process exits (and when <see cref="Remove"/> is called).</summary>
    public static void RemoveOnExit(string path)
    {
        Owned[path] = true;
        if (Interlocked.Exchange(ref _hooked, 1) == 0)
            AppDomain.CurrentDomain.ProcessExit += (_, _) => { foreach (var p in Owned.Keys) Remove(p); };
    }

    /// <summary>Removes a socket file sock made.</summary>
    public static void Remove(string path)
    {
        if (!Owned.TryRemove(path, out _)) return;
        try
        {
            if (IsSocket(path)) File.Delete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static bool IsSocket(string path) => Kind(path) == FileKind.Socket;

    /// <summary>Deletes <paramref name="path"/> if it is still a socket file: never what replaced it meanwhile (a link, a file).</summary>
    internal static void DeleteIfSocket(string path)
    {
        try
        {
            if (IsSocket(path)) File.Delete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>The file's kind: statx on Linux; elsewhere <see cref="PortableKind"/>.</summary>
    private static FileKind Kind(string path) => OperatingSystem.IsLinux() ? Statx.Kind(path) : PortableKind(path);

    /// <summary>
    /// What .NET alone can tell of a path (macOS, Windows, a Linux without statx): missing, a symbolic link, a directory —
    /// but not whether a file is a socket (its attributes say "Normal" for a regular file and a socket alike), so any
    /// other file is <see cref="FileKind.Unknown"/>: refused, never deleted.
    /// </summary>
    internal static FileKind PortableKind(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists && !Directory.Exists(path)) return info.LinkTarget is null ? FileKind.Missing : FileKind.SymbolicLink;
        if (info.LinkTarget is not null) return FileKind.SymbolicLink;
        return (info.Attributes & FileAttributes.Directory) != 0 ? FileKind.Directory : FileKind.Unknown;
    }

    private static bool SomeoneListens(string path)
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            probe.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode == System.Net.Sockets.SocketError.ProtocolType)
        {
            return true; // a datagram socket is bound there
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
