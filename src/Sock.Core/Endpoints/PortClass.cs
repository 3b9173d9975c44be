namespace Sock.Core.Endpoints;

/// <summary>The three IANA port ranges.</summary>
public enum PortClass
{
    /// <summary>0–1023: system ports, assigned by IANA, binding needs privileges on Unix.</summary>
    WellKnown,

    /// <summary>1024–49151: registered with IANA for an application (MySQL 3306, Tomcat 8080).</summary>
    Registered,

    /// <summary>49152–65535: dynamic or private, where the stack picks client (ephemeral) ports.</summary>
    Dynamic,
}
