namespace Sock.Core.Errors;

/// <summary>
/// A file error in a few words ("permission denied", "no space left on device"), as the C library says them, for the
/// one-line message. .NET's own wording ("Access to the path '…' is denied.") repeats the path and reads as an
/// exception, not as sock speaking.
/// </summary>
internal static class FileErrorText
{
    /// <summary>
    /// The reason <paramref name="ex"/>, raised for <paramref name="path"/> (when known), stands for; <paramref name="fallback"/>
    /// when it is none of the errors sock names.
    /// </summary>
    public static string Describe(Exception ex, string? path = null, string fallback = "failed") => ex switch
    {
        DirectoryNotFoundException => "no such directory",
        FileNotFoundException => "no such file",
        PathTooLongException => "file name too long",
        // .NET raises this for a directory opened as a file as well as for a missing permission.
        UnauthorizedAccessException when path is not null && Directory.Exists(path) => "is a directory",
        UnauthorizedAccessException => "permission denied",
        IOException when path is not null && Directory.Exists(path) => "is a directory",
        // On Unix an IOException's HResult carries the errno.
        IOException io => (io.HResult & 0xFFFF) switch
        {
            28 => "no space left on device",
            122 => "disk quota exceeded",
            5 => "input/output error",
            27 => "file too large",
            30 => "read-only file system",
            9 => "bad file descriptor",
            21 => "is a directory",
            1 or 13 => "permission denied",
            32 => "broken pipe",
            _ => fallback,
        },
        _ => fallback,
    };
}
