using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Sock.Core.Benchmarking;
using Sock.Core.Connections;
using Sock.Core.Platform.Linux;
using Sock.Core.Scanning;

namespace Sock.Tests.Platform;

/// <summary>
/// The one epoll binding: <c>struct epoll_event</c> laid out as the kernel's uapi header declares it for each
/// architecture, checked against the C layouts, against the running kernel, and shared by every epoll user.
/// </summary>
// The layout tests are plain arithmetic and run anywhere; the ones that call the kernel return early off Linux.
[SupportedOSPlatform("linux")]
public sealed class EpollBindingTests
{
    /// <summary>
    /// The kernel ABI (include/uapi/linux/eventpoll.h): EPOLL_PACKED on x86-64 only, so 12 bytes with the data at 4;
    /// arm64 aligns the u64 naturally, so 16 bytes with the data at 8. Other architectures: not known, not used.
    /// </summary>
    public static TheoryData<Architecture, int, int> KernelAbi => new()
    {
        { Architecture.X64, 12, 4 },
        { Architecture.Arm64, 16, 8 },
    };

    [Theory]
    [MemberData(nameof(KernelAbi))]
    public void epoll_event_has_the_kernels_size_and_data_offset_on_each_architecture(Architecture architecture, int size, int dataOffset)
    {
        var layout = EpollEventLayout.For(architecture);
        Assert.NotNull(layout);
        Assert.Equal(size, layout.Size);
        Assert.Equal(dataOffset, layout.DataOffset);
    }

    [Fact]
    public void the_two_c_layouts_are_what_the_marshaller_measures()
    {
        Assert.Equal(12, Marshal.SizeOf<PackedEpollEvent>());
        Assert.Equal(4, (int)Marshal.OffsetOf<PackedEpollEvent>(nameof(PackedEpollEvent.Data)));
        Assert.Equal(16, Marshal.SizeOf<AlignedEpollEvent>());
        Assert.Equal(8, (int)Marshal.OffsetOf<AlignedEpollEvent>(nameof(AlignedEpollEvent.Data)));
    }

    [Theory]
    [InlineData(Architecture.X86)]
    [InlineData(Architecture.Arm)]
    [InlineData(Architecture.S390x)]
    public void an_architecture_whose_layout_was_not_checked_gets_no_epoll(Architecture architecture) =>
        Assert.Null(EpollEventLayout.For(architecture));

    [Fact]
    public void the_running_process_uses_its_architectures_layout_and_every_epoll_user_agrees()
    {
        if (!OperatingSystem.IsLinux()) return; // epoll is Linux's
        var expected = KernelAbi.Select(row => ((Architecture)row[0], (int)row[1], (int)row[2]))
            .FirstOrDefault(row => row.Item1 == RuntimeInformation.ProcessArchitecture);
        if (expected == default)
        {
            Assert.False(Epoll.Supported);
            return;
        }
        Assert.True(Epoll.Supported);
        Assert.Equal(expected.Item2, Epoll.Layout!.Size);
        Assert.Equal(expected.Item3, Epoll.Layout.DataOffset);
        // One binding: the server's reactor, the bench's pipeline loop and the scan run on epoll on the same platforms
        // (on arm64, serve used to fall back to .NET's engine while scan used epoll).
        Assert.True(EpollReactor.Supported);
        Assert.True(EpollLoop.Supported);
        Assert.True(PortScanner.UsesEpoll(new ScanOptions { Engine = ScanEngine.Epoll }));
    }

    [Fact]
    public void the_kernel_returns_every_events_data_intact_through_the_binding()
    {
        if (!Epoll.Supported) return;
        // Three eventfds, each with a 64-bit key whose every byte differs: a wrong stride or data offset would read a
        // neighbour's bytes or the events word instead.
        ulong[] keys = [0x0123456789ABCDEF, 0xFEDCBA9876543210, 0x8877665544332211];
        var fds = new int[keys.Length];
        var epfd = Epoll.Create();
        Assert.True(epfd >= 0, $"epoll_create1 failed: errno {-epfd}");
        try
        {
            for (var i = 0; i < keys.Length; i++)
            {
                fds[i] = EventFd.Create();
                Assert.True(fds[i] >= 0);
                Assert.Equal(0, Epoll.Control(epfd, Epoll.CtlAdd, fds[i], Epoll.In, keys[i]));
                EventFd.Signal(fds[i]);
            }
            using var events = new EpollEvents(8);
            var n = Epoll.Wait(epfd, events, 1000);
            Assert.Equal(keys.Length, n);
            var seen = new ulong[n];
            for (var i = 0; i < n; i++) seen[i] = events.DataAt(i);
            Assert.Equal(keys.Order(), seen.Order());
            for (var i = 0; i < n; i++) Assert.Equal(Epoll.In, events.EventsAt(i));
            // Modify and delete go through the same layout.
            Assert.Equal(0, Epoll.Control(epfd, Epoll.CtlMod, fds[1], Epoll.In | Epoll.Out, 42));
            Assert.Equal(0, Epoll.Control(epfd, Epoll.CtlDel, fds[0], 0, 0));
            Assert.Equal(0, Epoll.Control(epfd, Epoll.CtlDel, fds[2], 0, 0));
            n = Epoll.Wait(epfd, events, 1000);
            Assert.Equal(1, n);
            Assert.Equal(42UL, events.DataAt(0));
            Assert.Equal(Epoll.In | Epoll.Out, events.EventsAt(0));
        }
        finally
        {
            foreach (var fd in fds) if (fd > 0) Descriptor.Close(fd);
            Descriptor.Close(epfd);
        }
    }
}
