using System.Reflection;

namespace Sock.Cli;

/// <summary>sock's one version string ("0.1.0"), as `sock --version` and `sock nc --version` print it.</summary>
internal static class ProductVersion
{
    public static string Text { get; } =
        typeof(ProductVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
