namespace Sock.Core.Errors;

/// <summary>
/// A file error in a few words ("permission denied", "no such file"), for the one-line message. .NET's own wording
/// ("Access to the path '…' is denied.") repeats the path and reads as an exception, not as sock speaking.
/// </summary>
public static class FileErrorText
{
    /// <summary>The reason <paramref name="ex"/>, raised for <paramref name="path"/>, stands for.</summary>
    public static string Describe(Exception ex, string? path = null) => ex switch
    {
        DirectoryNotFoundException => "no such directory",
        FileNotFoundException => "no such file",
        // .NET raises this for a directory opened as a file as well as for a missing permission.
        UnauthorizedAccessException when path is not null && Directory.Exists(path) => "is a directory",
        UnauthorizedAccessException => "permission denied",
        IOException io when io.HResult == 21 || (path is not null && Directory.Exists(path)) => "is a directory",
        IOException io when io.HResult == 13 => "permission denied",
        _ => ex.Message.TrimEnd('.'),
    };
}
