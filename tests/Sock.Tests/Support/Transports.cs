using System.Net;
using System.Net.Sockets;

namespace Sock.Tests.Support;

/// <summary>
/// The transports a test body runs over, named for [Theory] data: every test of a stream behaviour runs over
/// TCP/IPv4, TCP/IPv6 and Unix stream; datagram behaviours over UDP/IPv4 and UDP/IPv6, and Unix datagram too where the
/// code under test serves it (the serving engine: <see cref="DatagramWithUnix"/>, <see cref="AllWithUnixDatagram"/>).
/// </summary>
public static class Transports
{
    public const string Tcp4 = "tcp4";
    public const string Tcp6 = "tcp6";
    public const string Unix = "unix";
    public const string Udp4 = "udp4";
    public const string Udp6 = "udp6";
    public const string UnixDatagram = "unixgram";

    public static TheoryData<string> Stream => new() { Tcp4, Tcp6, Unix };
    public static TheoryData<string> Datagram => new() { Udp4, Udp6 };
    public static TheoryData<string> All => new() { Tcp4, Tcp6, Unix, Udp4, Udp6 };
    public static TheoryData<string> DatagramWithUnix => new() { Udp4, Udp6, UnixDatagram };
    public static TheoryData<string> AllWithUnixDatagram => new() { Tcp4, Tcp6, Unix, Udp4, Udp6, UnixDatagram };

    /// <summary>An endpoint to bind for <paramref name="transport"/>: loopback port 0, or a socket path in a fresh directory.</summary>
    public static EndPoint BindEndPoint(string transport) => transport switch
    {
        Tcp4 or Udp4 => new IPEndPoint(IPAddress.Loopback, 0),
        Tcp6 or Udp6 => new IPEndPoint(IPAddress.IPv6Loopback, 0),
        Unix or UnixDatagram => new UnixDomainSocketEndPoint(Path.Combine(
            Directory.CreateDirectory(SocketDirectories.Value.File(Interlocked.Increment(ref _socketDirectories).ToString(System.Globalization.CultureInfo.InvariantCulture))).FullName,
            "s.sock")),
        _ => throw new ArgumentOutOfRangeException(nameof(transport)),
    };

    // The socket paths' directories live under one directory for the whole test run, removed when the process exits:
    // the many harnesses that bind through here have no end of their own to remove a directory at.
    private static int _socketDirectories;
    private static readonly Lazy<TempDirectory> SocketDirectories = new(() =>
    {
        var root = new TempDirectory("sock-test-");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => root.Dispose();
        return root;
    });

    /// <summary>Stream or datagram.</summary>
    public static SocketType SocketTypeOf(string transport) => transport is Udp4 or Udp6 or UnixDatagram ? SocketType.Dgram : SocketType.Stream;
}
