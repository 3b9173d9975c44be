using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Sock.Core.Icmp;

/// <summary>
/// The Linux calls System.Net.Sockets does not offer and ping and traceroute need: recvmsg with control messages
/// (the reply's TTL, the kernel's receive time, IP_RECVERR's extended errors from MSG_ERRQUEUE) and poll for
/// POLLIN/POLLERR. All of sock's ICMP platform code is here; results are the kernel's (a count, or minus errno).
/// </summary>
internal static unsafe partial class IcmpSocketCalls
{
    public const int SolSocket = 1;
    public const int SoTimestampNs = 35;
    public const int SolIp = 0;
    public const int IpTtl = 2;
    public const int IpMtuDiscover = 10;
    public const int IpRecvErr = 11;
    public const int IpRecvTtl = 12;
    public const int IpMtu = 14;
    public const int IpPmtuDiscProbe = 3;
    public const int SolIpv6 = 41;
    public const int Ipv6UnicastHops = 16;
    public const int Ipv6MtuDiscover = 23;
    public const int Ipv6Mtu = 24;
    public const int Ipv6RecvErr = 25;
    public const int Ipv6RecvHopLimit = 51;
    public const int Ipv6HopLimit = 52;
    public const int Ipv6PmtuDiscProbe = 3;
    public const int MsgDontWait = 0x40;
    public const int MsgErrQueue = 0x2000;
    public const int EAGAIN = 11;
    public const int EINPROGRESS = 115;
    public const int SoError = 4;
    public const short PollIn = 0x001;
    public const short PollOut = 0x004;
    public const short PollErr = 0x008;

    /// <summary>True where these calls and structure layouts match the kernel's (64-bit Linux).</summary>
    public static bool Supported => OperatingSystem.IsLinux() && IntPtr.Size == 8;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>poll(2) on one descriptor: the returned events, 0 on timeout, or minus errno.</summary>
    public static int Poll(int fd, short events, int timeoutMs)
    {
        var p = new PollFd { Fd = fd, Events = events };
        var n = PollCall(&p, 1, timeoutMs);
        return n < 0 ? -Marshal.GetLastPInvokeError() : n == 0 ? 0 : p.Revents;
    }

    /// <summary>poll(2) on several descriptors at once: each one's returned events into <paramref name="revents"/>; the count ready, 0 on timeout, or minus errno.</summary>
    public static int PollAll(ReadOnlySpan<int> fds, short events, Span<short> revents, int timeoutMs)
    {
        Span<PollFd> set = fds.Length <= 64 ? stackalloc PollFd[fds.Length] : new PollFd[fds.Length];
        for (var i = 0; i < fds.Length; i++) set[i] = new PollFd { Fd = fds[i], Events = events };
        int n;
        fixed (PollFd* p = set) n = PollCall(p, (nuint)set.Length, timeoutMs);
        for (var i = 0; i < fds.Length; i++) revents[i] = n > 0 ? set[i].Revents : (short)0;
        return n < 0 ? -Marshal.GetLastPInvokeError() : n;
    }

    /// <summary>
    /// recvmsg(2) without blocking: the datagram into <paramref name="data"/>, the sender's address and the control
    /// messages into <paramref name="control"/>. Returns the byte count or minus errno; <paramref name="controlLength"/> is
    /// how much of <paramref name="control"/> the kernel filled.
    /// </summary>
    public static int ReceiveMessage(int fd, Span<byte> data, Span<byte> address, Span<byte> control, int flags,
        out int addressLength, out int controlLength, out int messageFlags)
    {
        fixed (byte* d = data)
        fixed (byte* a = address)
        fixed (byte* c = control)
        {
            var iov = new IoVector { Base = d, Length = (nuint)data.Length };
            var header = new MessageHeader
            {
                Name = a, NameLength = (uint)address.Length, Vectors = &iov, VectorCount = 1,
                Control = c, ControlLength = (nuint)control.Length,
            };
            var n = (int)RecvMsg(fd, &header, flags | MsgDontWait);
            addressLength = (int)header.NameLength;
            controlLength = (int)header.ControlLength;
            messageFlags = header.Flags;
            return n >= 0 ? n : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>sendto(2) without blocking; the byte count or minus errno.</summary>
    public static int SendTo(int fd, ReadOnlySpan<byte> data, ReadOnlySpan<byte> sockaddr)
    {
        fixed (byte* d = data)
        fixed (byte* a = sockaddr)
        {
            var n = (int)SendToCall(fd, d, (nuint)data.Length, MsgDontWait, a, (uint)sockaddr.Length);
            return n >= 0 ? n : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>connect(2); 0, or minus errno (EINPROGRESS on a non-blocking socket).</summary>
    public static int Connect(int fd, ReadOnlySpan<byte> sockaddr)
    {
        fixed (byte* a = sockaddr)
            return ConnectCall(fd, a, (uint)sockaddr.Length) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Writes <paramref name="endpoint"/> as a sockaddr_in or sockaddr_in6; returns its length.</summary>
    public static int WriteSockaddr(IPEndPoint endpoint, Span<byte> s)
    {
        s[..28].Clear();
        var v6 = endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        BitConverter.TryWriteBytes(s, (ushort)(v6 ? 10 : 2));
        s[2] = (byte)(endpoint.Port >> 8);
        s[3] = (byte)endpoint.Port;
        if (!v6)
        {
            endpoint.Address.TryWriteBytes(s[4..], out _);
            return 16;
        }
        endpoint.Address.TryWriteBytes(s[8..], out _);
        BitConverter.TryWriteBytes(s[24..], (uint)endpoint.Address.ScopeId);
        return 28;
    }

    /// <summary>getsockopt(2) of an int option; minus errno on failure.</summary>
    public static int GetIntOption(int fd, int level, int name, out int value)
    {
        int v = 0;
        uint len = sizeof(int);
        var r = GetSockOpt(fd, level, name, &v, &len);
        value = v;
        return r == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>A sockaddr_in or sockaddr_in6 as the kernel wrote it; null for any other family.</summary>
    public static IPEndPoint? ParseSockaddr(ReadOnlySpan<byte> s)
    {
        if (s.Length < 2) return null;
        var family = BitConverter.ToUInt16(s);
        var port = s.Length >= 4 ? (s[2] << 8) | s[3] : 0;
        if (family == 2 && s.Length >= 8) return new IPEndPoint(new IPAddress(s.Slice(4, 4)), port);
        if (family == 10 && s.Length >= 24)
        {
            var scope = s.Length >= 28 ? BitConverter.ToUInt32(s[24..]) : 0;
            return new IPEndPoint(new IPAddress(s.Slice(8, 16), scope), port);
        }
        return null;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollCall(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int fd, MessageHeader* message, int flags);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    private static partial nint SendToCall(int fd, byte* buffer, nuint length, int flags, byte* address, uint addressLength);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static partial int ConnectCall(int fd, byte* address, uint addressLength);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);
}
