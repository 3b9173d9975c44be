using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Sock.Core.Platform.Unix;
using Sock.Core.Sockets;

namespace Sock.Tests.Platform;

/// <summary>The open-file limit: RLIMIT_NOFILE's number is the system's own, and what getrlimit reads is the kernel's limit.</summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
[SupportedOSPlatform("freebsd")]
public sealed class ResourceLimitTests
{
    // sys/resource.h: Linux numbers RLIMIT_NOFILE 7; macOS and FreeBSD number it 8 (their 7 is RLIMIT_NPROC).
    [Fact]
    public void rlimit_nofile_is_7_on_linux() => Assert.Equal(7, ResourceLimit.OpenFilesResource(OSPlatform.Linux));

    [Fact]
    public void rlimit_nofile_is_8_on_macos_where_7_is_the_process_limit() => Assert.Equal(8, ResourceLimit.OpenFilesResource(OSPlatform.OSX));

    [Fact]
    public void rlimit_nofile_is_8_on_freebsd() => Assert.Equal(8, ResourceLimit.OpenFilesResource(OSPlatform.FreeBSD));

    [Fact]
    public void windows_has_no_open_file_rlimit() => Assert.Null(ResourceLimit.OpenFilesResource(OSPlatform.Windows));

    [Fact]
    public void the_limit_read_is_the_kernels_max_open_files()
    {
        if (!OperatingSystem.IsLinux()) return; // /proc/self/limits is Linux's
        var line = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var (soft, hard) = ResourceLimit.GetOpenFiles()!.Value;
        Assert.Equal(words[3] == "unlimited" ? ResourceLimit.Unlimited : ulong.Parse(words[3], CultureInfo.InvariantCulture), soft);
        Assert.Equal(words[4] == "unlimited" ? ResourceLimit.Unlimited : ulong.Parse(words[4], CultureInfo.InvariantCulture), hard);
        Assert.Equal((long)Math.Min(soft, long.MaxValue), OpenFileLimit.Soft());
    }

    [Fact]
    public void connections_left_is_the_soft_limit_less_what_is_open_and_a_reserve()
    {
        if (!OperatingSystem.IsLinux()) return;
        var soft = OpenFileLimit.Soft()!.Value;
        var left = OpenFileLimit.ConnectionsLeft();
        Assert.NotNull(left);
        var open = Directory.GetFileSystemEntries("/proc/self/fd").Length;
        // Other tests open and close descriptors meanwhile: the count is within a margin of the one just taken.
        Assert.InRange(left.Value, 1, soft - Math.Min(128, soft / 4));
        Assert.InRange(soft - Math.Min(128, soft / 4) - left.Value, Math.Max(0, open - 200), open + 200);
    }
}
