namespace Sock.Cli.Rendering;

/// <summary>
/// One form of a command's result: text for people, JSON for programs, as dotnet-counters' exporters. A command
/// chooses its renderer once from its options and hands it the library's result, instead of asking
/// <c>if (json)</c> wherever it writes.
/// </summary>
internal interface IRenderer<in T>
{
    /// <summary>Writes <paramref name="result"/> in this renderer's form.</summary>
    void Render(T result);
}
