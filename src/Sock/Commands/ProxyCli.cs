using System.CommandLine;
using Sock.Core.Errors;
using Sock.Core.Proxies;

namespace Sock.Cli.Commands;

/// <summary>The client's proxy options, as ncat spells them: --proxy, --proxy-type, --proxy-auth, --proxy-dns.</summary>
internal sealed class ProxyCli
{
    public readonly Option<string?> Proxy = new("--proxy")
    {
        Description = "Connect through this proxy: HOST[:PORT], or a URL socks5://USER:PASS@HOST:PORT; several, comma-separated, make a chain",
        HelpName = "PROXY",
    };

    public readonly Option<string?> Type = new("--proxy-type")
    {
        Description = "The protocol of a proxy given without a scheme: socks4, socks4a, socks5 or http (HTTP CONNECT, the default)",
        HelpName = "TYPE",
    };

    public readonly Option<string?> Auth = new("--proxy-auth")
    {
        Description = "Credentials for the proxy: USER:PASS (SOCKS5 username/password, HTTP Basic or Digest), USER for SOCKS4",
        HelpName = "USER:PASS",
    };

    public readonly Option<string?> Dns = new("--proxy-dns")
    {
        Description = "Where the destination's name is resolved: remote (by the proxy, the default), local, both, none",
        HelpName = "WHERE",
    };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Proxy, Type, Auth, Dns })
            command.Options.Add(o);
    }

    /// <summary>The proxy options given, or null without --proxy; the others without --proxy are a usage error.</summary>
    public ProxyOptions? Read(ParseResult parse)
    {
        var proxy = parse.GetValue(Proxy);
        if (proxy is null)
        {
            foreach (var (option, name) in new[] { (Type, "--proxy-type"), (Auth, "--proxy-auth"), (Dns, "--proxy-dns") })
                if (parse.GetValue(option) is { } value)
                    throw SockException.Usage(name, value, "needs --proxy (the proxy to connect through)");
            return null;
        }
        return ProxyOptions.Parse(proxy, parse.GetValue(Type), parse.GetValue(Auth), parse.GetValue(Dns));
    }
}
