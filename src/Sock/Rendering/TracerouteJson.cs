namespace Sock.Cli.Rendering;

/// <summary>The JSON shape of a traceroute: the destination, how it was probed, and each hop's probes.</summary>
internal sealed record TracerouteJsonReport(string Target, string Destination, string Method, int MaxHops, int PacketLength, bool Reached,
    int? Pmtu, List<TracerouteJsonHop> Hops);

/// <summary>One hop.</summary>
internal sealed record TracerouteJsonHop(int Ttl, int? Pmtu, List<TracerouteJsonProbe> Probes);

/// <summary>One probe: who answered and when; no address for no answer (traceroute's *).</summary>
internal sealed record TracerouteJsonProbe(string? Address, string? Name, double? RttMs, string? Mark, bool Reached);
