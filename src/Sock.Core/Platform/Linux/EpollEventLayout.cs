using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Sock.Core.Platform.Linux;

/// <summary>
/// Where <c>struct epoll_event { uint32_t events; uint64_t data; }</c> keeps its data and how long it is, per
/// architecture, as the kernel's uapi/linux/eventpoll.h declares it: <c>EPOLL_PACKED</c> (no padding) on x86-64 only, so
/// 12 bytes with the data at offset 4; natural alignment on arm64, so 16 bytes with the data at offset 8.
/// The two C layouts are <see cref="PackedEpollEvent"/> and <see cref="AlignedEpollEvent"/>.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe record EpollEventLayout(int Size, int DataOffset)
{
    /// <summary>x86-64's: packed.</summary>
    public static readonly EpollEventLayout Packed = Of(default(PackedEpollEvent));

    /// <summary>arm64's (and every other 64-bit Linux's): natural alignment.</summary>
    public static readonly EpollEventLayout Aligned = Of(default(AlignedEpollEvent));

    /// <summary>The layout on <paramref name="architecture"/>, or null where sock has not been checked against the kernel there.</summary>
    public static EpollEventLayout? For(Architecture architecture) => architecture switch
    {
        Architecture.X64 => Packed,
        Architecture.Arm64 => Aligned,
        _ => null, // 32-bit and other ABIs: refuse rather than guess (callers use .NET's own sockets there)
    };

    // Measured from the structs themselves (no reflection, so it holds under Native AOT too).
    private static EpollEventLayout Of(PackedEpollEvent e) => new(sizeof(PackedEpollEvent), (int)((byte*)&e.Data - (byte*)&e));

    private static EpollEventLayout Of(AlignedEpollEvent e) => new(sizeof(AlignedEpollEvent), (int)((byte*)&e.Data - (byte*)&e));
}

/// <summary><c>struct epoll_event</c> as x86-64 declares it: <c>__attribute__((packed))</c>.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct PackedEpollEvent
{
    public uint Events;
    public ulong Data;
}

/// <summary><c>struct epoll_event</c> with natural alignment, as arm64 declares it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AlignedEpollEvent
{
    public uint Events;
    public ulong Data;
}
