using System.Runtime.InteropServices;

namespace Sock.Core.Snmp;

/// <summary>SNMPv2-MIB's system group (RFC 3418): what the machine is, since when the agent runs, who to call.</summary>
/// <param name="Descr">sysDescr: "Linux HOST RELEASE VERSION ARCH", as net-snmp's snmpd says it.</param>
/// <param name="Name">sysName: the host name.</param>
/// <param name="Contact">sysContact.</param>
/// <param name="Location">sysLocation.</param>
internal sealed record SystemGroup(string Descr, string Name, string Contact, string Location)
{
    /// <summary>This machine, described as uname -a would.</summary>
    public static SystemGroup ForThisMachine(string contact = "", string location = "")
    {
        var host = Environment.MachineName;
        string descr;
        if (OperatingSystem.IsLinux())
        {
            static string Read(string p) { try { return File.ReadAllText(p).Trim(); } catch (IOException) { return ""; } catch (UnauthorizedAccessException) { return ""; } }
            var name = Read("/proc/sys/kernel/hostname");
            if (name.Length > 0) host = name;
            descr = $"Linux {host} {Read("/proc/sys/kernel/osrelease")} {Read("/proc/sys/kernel/version")} {Arch()}";
        }
        else descr = $"{RuntimeInformation.OSDescription} {host} {Arch()}";
        return new SystemGroup(descr, host, contact, location);
    }

    private static string Arch() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "x86_64",
        Architecture.Arm64 => "aarch64",
        var a => a.ToString().ToLowerInvariant(),
    };

    /// <summary>Adds the group; <paramref name="upTime"/> is the agent's sysUpTime.</summary>
    public void AddTo(MibViewBuilder b, TimeSpan upTime)
    {
        var s = MibOids.System;
        b.Scalar(s.Append(1), SnmpValue.OctetString(Descr));
        b.Scalar(s.Append(2), SnmpValue.ObjectIdentifier(MibOids.NetSnmpLinux));
        b.Scalar(s.Append(3), SnmpValue.TimeTicks(Ticks(upTime)));
        b.Scalar(s.Append(4), SnmpValue.OctetString(Contact));
        b.Scalar(s.Append(5), SnmpValue.OctetString(Name));
        b.Scalar(s.Append(6), SnmpValue.OctetString(Location));
        // sysServices: internet (4) and end-to-end (8) layers and applications (64), as a host's agent says.
        b.Scalar(s.Append(7), SnmpValue.Integer(72));
        b.Scalar(s.Append(8), SnmpValue.TimeTicks(0));
    }

    /// <summary>TimeTicks (hundredths of a second) of <paramref name="t"/>, wrapping at 2^32 as the type does.</summary>
    public static uint Ticks(TimeSpan t) => unchecked((uint)(ulong)(t.Ticks / TimeSpan.TicksPerMillisecond / 10));
}
