using System.Net.Sockets;
using Sock.Core.Errors;
using Sock.Core.Platform;
using Sock.Core.Sockets;
using Sock.Tests.Support;

namespace Sock.Tests.Sockets;

/// <summary>
/// What is at a Unix socket path before a bind: only a socket file nothing answers on is removed. Where the file type
/// cannot be read (macOS and Windows have no statx; .NET cannot tell a socket from a regular file), nothing is removed.
/// </summary>
public sealed class UnixSocketFileTests
{
    private static void MakeStaleSocket(string path)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Bind(new UnixDomainSocketEndPoint(path + ".tmp"));
        File.Move(path + ".tmp", path); // .NET unlinks what it bound on dispose: renamed, the file stays, stale
    }

    [Fact]
    public void without_statx_a_socket_file_and_a_regular_file_are_both_of_unknown_type()
    {
        using var dir = new TempDirectory("sock-kind-");
        var socket = dir.File("stale.sock");
        MakeStaleSocket(socket);
        var file = dir.File("notes.txt");
        File.WriteAllText(file, "keep me");
        var link = dir.File("link.sock");
        File.CreateSymbolicLink(link, socket);
        Assert.Equal(FileKind.Unknown, UnixSocketFile.PortableKind(socket));
        Assert.Equal(FileKind.Unknown, UnixSocketFile.PortableKind(file));
        Assert.Equal(FileKind.SymbolicLink, UnixSocketFile.PortableKind(link));
        Assert.Equal(FileKind.Directory, UnixSocketFile.PortableKind(dir.Path));
        Assert.Equal(FileKind.Missing, UnixSocketFile.PortableKind(dir.File("nothing")));
    }

    [Fact]
    public void without_statx_nothing_is_removed_not_even_a_stale_socket()
    {
        using var dir = new TempDirectory("sock-kind-");
        var file = dir.File("notes.txt");
        File.WriteAllText(file, "keep me");
        var socket = dir.File("stale.sock");
        MakeStaleSocket(socket);
        foreach (var path in new[] { file, socket })
        {
            var ex = Assert.Throws<SockException>(() => UnixSocketFile.PrepareForBind(path, UnixSocketFile.PortableKind));
            Assert.Equal(SockErrorKind.Usage, ex.Kind);
            Assert.Equal("exists and its file type cannot be read (refusing to replace it)", ex.Reason);
        }
        Assert.Equal("keep me", File.ReadAllText(file));
        Assert.True(File.Exists(socket));
    }

    [Fact]
    public void a_directory_is_refused_and_kept()
    {
        using var dir = new TempDirectory("sock-kind-");
        var sub = dir.File("s.sock");
        Directory.CreateDirectory(sub);
        var ex = Assert.Throws<SockException>(() => UnixSocketFile.PrepareForBind(sub));
        Assert.Equal("is a directory, not a socket file", ex.Reason);
        Assert.True(Directory.Exists(sub));
    }
}
