using System.Runtime.Versioning;
using Sock.Core.Errors;
using Sock.Core.Platform.Linux;

namespace Sock.Core.Icmp;

/// <summary>Where ping's and traceroute's probe sockets can be made: they are Linux calls (recvmsg, the error queue, poll).</summary>
internal static class ProbeSockets
{
    /// <summary>True on 64-bit Linux.</summary>
    [SupportedOSPlatformGuard("linux")]
    public static bool Supported => OperatingSystem.IsLinux() && SocketCalls.Supported;

    /// <summary>The refusal everywhere else.</summary>
    public static SockException Unsupported() =>
        new(SockErrorKind.Network, "open a probe socket", null, "ICMP and error-queue probes need Linux (64-bit)");
}
