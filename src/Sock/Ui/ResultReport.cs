using System.Net;
using System.Text;
using Sock.Core.Errors;

namespace Sock.Cli.Ui;

/// <summary>
/// `--report FILE.html` of sock scan and sock bench: one self-contained page (style, chart script and the result's JSON
/// inline; no request to anywhere, so it opens from file:// offline and can be mailed as it is). The file is opened when
/// the command starts, so a path that cannot be written fails before a long run rather than after it.
/// </summary>
internal sealed class ResultReport : IDisposable
{
    private readonly FileStream _file;
    private readonly string _option;

    private ResultReport(FileStream file, string option)
    {
        _file = file;
        _option = option;
    }

    public string Path => _file.Name;

    /// <summary>Creates (or empties) the report file; a path that cannot be written is a usage error naming the option.</summary>
    public static ResultReport Create(string path, string option)
    {
        if (Directory.Exists(path)) throw SockException.Usage(option, path, "is a directory");
        try
        {
            return new ResultReport(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read), option);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw SockException.Usage(option, path, UiResult.FileProblem(ex));
        }
    }

    /// <summary>The page for a result: the template with the title, the time and the data filled in.</summary>
    public static string Html(UiResult result, DateTimeOffset made) =>
        UiAssets.Report
            .Replace("/*SOCK-TITLE*/", WebUtility.HtmlEncode(result.Title), StringComparison.Ordinal)
            .Replace("/*SOCK-MADE*/", made.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            // "<" appears in JSON only inside strings, where \u003c means the same: nothing in the data can end the script element.
            .Replace("/*SOCK-DATA*/", result.Json.Replace("<", "\\u003c", StringComparison.Ordinal), StringComparison.Ordinal);

    public void Write(UiResult result)
    {
        try
        {
            var bytes = Encoding.UTF8.GetBytes(Html(result, DateTimeOffset.UtcNow));
            _file.SetLength(0);
            _file.Write(bytes);
            _file.Flush();
        }
        catch (IOException ex)
        {
            throw SockException.Usage(_option, _file.Name, UiResult.FileProblem(ex));
        }
    }

    public void Dispose() => _file.Dispose();
}
