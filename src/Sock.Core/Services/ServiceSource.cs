namespace Sock.Core.Services;

/// <summary>Which services database answers.</summary>
[Flags]
public enum ServiceSource
{
    /// <summary>The operating system's list: /etc/services, or drivers\etc\services on Windows.</summary>
    System = 1,

    /// <summary>The copy of IANA's registry built into sock.</summary>
    Iana = 2,

    /// <summary>Both, merged.</summary>
    Both = System | Iana,
}
