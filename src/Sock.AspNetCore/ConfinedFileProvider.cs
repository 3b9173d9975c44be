using System.Collections;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Primitives;

namespace Sock.AspNetCore;

/// <summary>
/// The served directory and nothing outside it. PhysicalFileProvider already refuses <c>..</c> above its root and
/// absolute paths, but follows symbolic links wherever they lead (as <c>python3 -m http.server</c> does); here a file or
/// directory is served only when its real path, every link resolved, is still under the root's real path, and a
/// listing leaves out the entries that lead out. Links inside the root work.
/// </summary>
internal sealed class ConfinedFileProvider : IFileProvider, IDisposable
{
    // Linux's own limit on links followed while resolving one path (MAXSYMLINKS); a loop ends here as "not found".
    private const int MaxLinks = 40;

    private readonly PhysicalFileProvider _inner;
    private readonly string _realRoot;

    public ConfinedFileProvider(string root)
    {
        var full = Path.GetFullPath(root);
        // Dot files are served, as python's http.server and nginx serve them: the directory is what the user chose to share.
        _inner = new PhysicalFileProvider(full, ExclusionFilters.None);
        _realRoot = RealPath(full) ?? full;
    }

    public string Root => _realRoot;

    public IFileInfo GetFileInfo(string subpath)
    {
        var info = _inner.GetFileInfo(subpath);
        return info.Exists ? Confine(info) ?? new NotFoundFileInfo(subpath) : info;
    }

    /// <summary>
    /// The entry as served, or null when it leads out. A link is described by what it leads to (its length, its time,
    /// as stat(2) tells, and as nginx and python serve it); PhysicalFileInfo would give the link's own length, the
    /// length of its target's name, and the file would be cut short.
    /// </summary>
    private IFileInfo? Confine(IFileInfo info)
    {
        if (info.PhysicalPath is not { } path) return info;
        var real = RealPath(path);
        if (real is null || !Inside(real, resolved: true)) return null;
        if (info.IsDirectory && string.Equals(real, path, StringComparison.Ordinal)) return info;
        FileSystemInfo target = info.IsDirectory ? new DirectoryInfo(real) : new FileInfo(real);
        return target.Exists ? new ServedFileInfo(info.Name, target, this) : null;
    }

    /// <summary>
    /// Opens a file that was found inside the root, and checks again on what was opened: a path component swapped for a
    /// link out of the root between the check and the open (a race another local user could run) is caught here, where
    /// the check is on the descriptor itself (/proc/self/fd on Linux). Elsewhere the check before the open is the only one.
    /// </summary>
    private FileStream Open(string realPath)
    {
        var handle = File.OpenHandle(realPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.Asynchronous | FileOptions.SequentialScan);
        if (OperatingSystem.IsLinux())
        {
            string? opened;
            try { opened = new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget; }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { opened = null; }
            if (opened is null || !Inside(opened, resolved: true))
            {
                handle.Dispose();
                // StaticFileMiddleware answers this as a file that is not there (404), as it answers the check before.
                throw new FileNotFoundException("the file leads out of the served directory", realPath);
            }
        }
        return new FileStream(handle, FileAccess.Read, bufferSize: 1, isAsync: true);
    }

    public IDirectoryContents GetDirectoryContents(string subpath)
    {
        var contents = _inner.GetDirectoryContents(subpath);
        if (!contents.Exists) return contents;
        var path = Path.GetFullPath(Path.Join(_inner.Root, subpath.TrimStart('/', '\\')));
        return Inside(path) ? new Confined(contents, this) : NotFoundDirectoryContents.Singleton;
    }

    // The directory is read at each request; nothing is cached, so nothing needs a change token.
    public IChangeToken Watch(string filter) => NullChangeToken.Singleton;

    public void Dispose() => _inner.Dispose();

    private bool Inside(string path, bool resolved = false) =>
        (resolved ? path : RealPath(path)) is { } real &&
        (real.Length == _realRoot.Length ? string.Equals(real, _realRoot, StringComparison.Ordinal)
            : real.StartsWith(_realRoot, StringComparison.Ordinal) && (_realRoot.EndsWith(Path.DirectorySeparatorChar) || real[_realRoot.Length] == Path.DirectorySeparatorChar));

    /// <summary>The path with every symbolic link in it resolved (realpath(3)), or null when it cannot be (a loop, no access).</summary>
    internal static string? RealPath(string path)
    {
        var links = 0;
        return Resolve(Path.GetFullPath(path), ref links);
    }

    private static string? Resolve(string full, ref int links)
    {
        var root = Path.GetPathRoot(full) ?? "";
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Join(current, part);
            string? target;
            try { target = new FileInfo(next).LinkTarget; }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
            if (target is null) { current = next; continue; }
            if (++links > MaxLinks) return null;
            // A relative target is relative to the link's directory, which is already real: ".." in it is then exact.
            var resolved = Resolve(Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Join(current, target)), ref links);
            if (resolved is null) return null;
            current = resolved;
        }
        return current;
    }

    private sealed class Confined(IDirectoryContents contents, ConfinedFileProvider provider) : IDirectoryContents
    {
        public bool Exists => true;

        public IEnumerator<IFileInfo> GetEnumerator() =>
            contents.Select(provider.Confine).OfType<IFileInfo>().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// A served entry: its own name, its real target's everything else. A file has no physical path, so that
    /// StaticFileMiddleware reads it through <see cref="CreateReadStream"/> (the checked open) and never opens the path
    /// itself (Kestrel's SendFileAsync would: by then the path may lead elsewhere).
    /// </summary>
    private sealed class ServedFileInfo(string name, FileSystemInfo target, ConfinedFileProvider provider) : IFileInfo
    {
        public bool Exists => true;

        public long Length => target is FileInfo file ? file.Length : -1;

        public string? PhysicalPath => target is DirectoryInfo ? target.FullName : null;

        public string Name => name;

        public DateTimeOffset LastModified => target.LastWriteTimeUtc;

        public bool IsDirectory => target is DirectoryInfo;

        public Stream CreateReadStream() => provider.Open(target.FullName);
    }
}
