using System.Text.Json;
using Sock.Cli.Rendering;
using Sock.Core.Benchmarking;
using Sock.Core.Errors;

namespace Sock.Cli.Ui;

/// <summary>
/// A scan or bench result to draw as charts: its title and its document in the shape `sock scan --json` or
/// `sock bench --json` prints (the page's charts.js reads that shape). Made from a run in this process (--report) or read
/// from a saved --json file (sock ui --open).
/// </summary>
internal sealed record UiResult(string Title, string Kind, string Json)
{
    public static UiResult FromScan(ScanJsonReport report, string title) =>
        new(title, "scan", JsonSerializer.Serialize(report, SockJson.Default.ScanJsonReport));

    public static UiResult FromBench(BenchReport report, string title) =>
        new(title, "bench", JsonSerializer.Serialize(report, SockJson.Default.BenchReport));

    /// <summary>Reads a file `sock scan --json` or `sock bench --json` wrote; anything else is a usage error that says what it is.</summary>
    public static UiResult Load(string path)
    {
        if (Directory.Exists(path)) throw SockException.Usage("ui --open", path, "is a directory");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SockException.Usage("ui --open", path, FileProblem(ex));
        }
        var title = Path.GetFileName(path);
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            // Checked by shape, then read into the commands' own types: a file is taken only if it is what they print.
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("hosts", out _) && root.TryGetProperty("protocol", out _))
                return FromScan(JsonSerializer.Deserialize(text, SockJson.Default.ScanJsonReport)!, title);
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("setup", out _) && root.TryGetProperty("totals", out _))
                return FromBench(JsonSerializer.Deserialize(text, SockJson.Default.BenchReport)!, title);
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out _))
                throw SockException.Usage("ui --open", path, "the run it records failed: there is no result to draw");
        }
        catch (JsonException)
        {
            // Falls through to the sentence below: a JSON error's own wording says nothing a user can act on.
        }
        throw SockException.Usage("ui --open", path, "not a result of sock scan --json or sock bench --json");
    }

    /// <summary>Why a file could not be read or written, in sock's words rather than .NET's.</summary>
    public static string FileProblem(Exception ex) => ex switch
    {
        FileNotFoundException => "no such file",
        DirectoryNotFoundException => "no such directory",
        UnauthorizedAccessException => "permission denied",
        PathTooLongException => "the path is too long",
        _ => "cannot be used (an I/O error)",
    };
}
