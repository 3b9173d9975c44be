using Sock.Core.Endpoints;

namespace Sock.Core.Services;

/// <summary>One (port, protocol) with what each database calls it.</summary>
/// <param name="Port">The port number.</param>
/// <param name="Protocol">tcp, udp, sctp or dccp.</param>
/// <param name="SystemName">The system database's name, if it has the port.</param>
/// <param name="SystemAliases">The system database's aliases.</param>
/// <param name="IanaName">IANA's service name, if IANA registered the port.</param>
/// <param name="Description">IANA's description.</param>
public sealed record ServiceEntry(int Port, string Protocol, string? SystemName, IReadOnlyList<string> SystemAliases,
    string? IanaName, string? Description)
{
    /// <summary>The name to show first: the system's, as getservbyport gives it, else IANA's.</summary>
    public string Name => SystemName ?? IanaName ?? "";

    /// <summary>IANA reserves the port (0, and a few others) without naming a service on it.</summary>
    public bool IsReserved => IanaName is null && Description == "Reserved";

    /// <summary>The IANA range the port lies in.</summary>
    public PortClass Class => Ports.Classify(Port);

    /// <summary>Which databases know this port: "system", "iana" or "system+iana".</summary>
    public string Sources => (SystemName, IanaName) switch
    {
        (not null, not null) => "system+iana",
        (not null, null) => "system",
        _ => "iana",
    };
}
