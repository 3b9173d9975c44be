namespace Sock.Tests.Support;

/// <summary>A fresh directory under the system's temp path for one test (socket files, recordings), removed with everything in it.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "sock-test-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    /// <summary>A path inside the directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
