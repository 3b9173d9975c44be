namespace Sock.Tests.Support;

/// <summary>Where the repository is, found from the test assembly's folder.</summary>
public static class RepoPaths
{
    /// <summary>The folder that holds sock.slnx.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "sock.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (sock.slnx) not found above " + AppContext.BaseDirectory);
    }
}
