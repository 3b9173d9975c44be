namespace Sock.Core.Snmp;

/// <summary>
/// An SNMPv3 user of the user-based security model (RFC 3414): a name, and for authentication and privacy a protocol
/// and a password (at least 8 characters, as RFC 3414 §11.2 asks and net-snmp enforces). The keys are derived from the
/// passwords and localised to each engine ID when used.
/// </summary>
/// <param name="Name">The user name (msgUserName), 1 to 32 bytes.</param>
public sealed record UsmUser(string Name)
{
    /// <summary>The authentication protocol; <see cref="UsmAuthProtocol.None"/> for a user who cannot authenticate.</summary>
    public UsmAuthProtocol AuthProtocol { get; init; }

    /// <summary>The authentication password.</summary>
    public string AuthPassword { get; init; } = "";

    /// <summary>The privacy protocol; <see cref="UsmPrivProtocol.None"/> for a user who cannot encrypt.</summary>
    public UsmPrivProtocol PrivProtocol { get; init; }

    /// <summary>The privacy password.</summary>
    public string PrivPassword { get; init; } = "";

    /// <summary>
    /// For an agent: the lowest level this user's requests are answered at (net-snmp's rouser level); lower ones get
    /// authorizationError. Null: authNoPriv for a user with an authentication password, else noAuthNoPriv.
    /// </summary>
    public SnmpSecurityLevel? MinimumLevel { get; init; }

    /// <summary>For an agent: true when this user may Set the writable objects too (net-snmp's rwuser).</summary>
    public bool CanWrite { get; init; }

    /// <summary>The highest level the user's passwords allow.</summary>
    public SnmpSecurityLevel HighestLevel =>
        AuthProtocol == UsmAuthProtocol.None ? SnmpSecurityLevel.NoAuthNoPriv
        : PrivProtocol == UsmPrivProtocol.None ? SnmpSecurityLevel.AuthNoPriv : SnmpSecurityLevel.AuthPriv;

    /// <summary>The minimum level in effect (see <see cref="MinimumLevel"/>).</summary>
    public SnmpSecurityLevel EffectiveMinimumLevel =>
        MinimumLevel ?? (AuthProtocol == UsmAuthProtocol.None ? SnmpSecurityLevel.NoAuthNoPriv : SnmpSecurityLevel.AuthNoPriv);

    /// <summary>The shortest password RFC 3414 §11.2 allows.</summary>
    public const int MinimumPasswordLength = 8;

    /// <summary>Why this user cannot be used, or null when it can.</summary>
    public string? Problem()
    {
        if (Name.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(Name) > 32) return "a user name is 1 to 32 bytes";
        if (AuthProtocol != UsmAuthProtocol.None && AuthPassword.Length < MinimumPasswordLength)
            return $"the authentication password is shorter than {MinimumPasswordLength} characters (RFC 3414's minimum)";
        if (PrivProtocol != UsmPrivProtocol.None)
        {
            if (AuthProtocol == UsmAuthProtocol.None) return "privacy needs authentication (there is no noAuthPriv)";
            if (PrivPassword.Length < MinimumPasswordLength)
                return $"the privacy password is shorter than {MinimumPasswordLength} characters (RFC 3414's minimum)";
        }
        if (MinimumLevel is { } min && min > HighestLevel) return $"its minimum level {UsmNames.Level(min)} is above what its passwords allow";
        return null;
    }
}
