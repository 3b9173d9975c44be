namespace Sock.Cli;

/// <summary>
/// sock's one version string ("0.1.0"), as `sock --version` and `sock nc --version` print it: <c>Text</c>, a constant
/// the build writes (ProductVersion.g.cs, from the same version the assembly's informational-version attribute
/// carries), so printing it reads no attribute through reflection at start-up.
/// </summary>
internal static partial class ProductVersion;
