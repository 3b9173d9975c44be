using Sock.AspNetCore;
using Sock.Tests.Support;

namespace Sock.Tests.AspNetCore;

/// <summary>
/// serve http's confinement checked where a request could slip through: between the check of a path and the open of
/// the file. Another local user who can write in the served directory could swap a file, or a directory on its path,
/// for a link out of it in that moment; the race is made deterministic here by swapping after the check.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConfinedFileProviderTests
{
    [Theory]
    [InlineData("file")]
    [InlineData("directory")]
    public void an_entry_swapped_for_a_link_out_after_the_check_is_not_opened(string swapped)
    {
        using var root = new TempDirectory("sock-confined-");
        using var outside = new TempDirectory("sock-outside-");
        Directory.CreateDirectory(root.File("sub"));
        File.WriteAllText(root.File("sub/a.txt"), "inside\n");
        Directory.CreateDirectory(outside.File("sub"));
        File.WriteAllText(outside.File("sub/a.txt"), "secret\n");
        using var provider = new ConfinedFileProvider(root.Path);

        var info = provider.GetFileInfo("/sub/a.txt");
        Assert.True(info.Exists);
        using (var before = new StreamReader(info.CreateReadStream()))
            Assert.Equal("inside\n", before.ReadToEnd());

        if (swapped == "file")
        {
            File.Delete(root.File("sub/a.txt"));
            File.CreateSymbolicLink(root.File("sub/a.txt"), outside.File("sub/a.txt"));
        }
        else
        {
            Directory.Delete(root.File("sub"), recursive: true);
            Directory.CreateSymbolicLink(root.File("sub"), outside.File("sub"));
        }
        Assert.Throws<FileNotFoundException>(() => info.CreateReadStream().Dispose());
        // Asked again, the check itself refuses it.
        Assert.False(provider.GetFileInfo("/sub/a.txt").Exists);
    }

    [Fact]
    public void a_link_that_stays_inside_is_served_through_the_checked_open()
    {
        using var root = new TempDirectory("sock-confined-");
        File.WriteAllText(root.File("real.txt"), "real\n");
        File.CreateSymbolicLink(root.File("link.txt"), "real.txt");
        using var provider = new ConfinedFileProvider(root.Path);
        var info = provider.GetFileInfo("/link.txt");
        Assert.True(info.Exists);
        Assert.Equal("link.txt", info.Name);
        Assert.Equal(5, info.Length);
        // No physical path: StaticFileMiddleware must read through CreateReadStream, never open the path itself.
        Assert.Null(info.PhysicalPath);
        using var reader = new StreamReader(info.CreateReadStream());
        Assert.Equal("real\n", reader.ReadToEnd());
    }
}
