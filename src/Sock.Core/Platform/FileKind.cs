namespace Sock.Core.Platform;

/// <summary>What kind of file a path names (a symbolic link is not followed unless asked).</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Socket,
    SymbolicLink,
    Directory,
    Other,
    /// <summary>The type could not be read (statx missing, an error other than "no such file"): never guess.</summary>
    Unknown,
}
