using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Sock.AspNetCore;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Puts Kestrel on sock's socket engine.</summary>
public static class SockWebHostBuilderExtensions
{
    /// <summary>
    /// Kestrel's connections run over Sock.Core: TCP over IPv4 and IPv6 (the IPv6 wildcard takes IPv4 too) and Unix
    /// sockets, on sock's epoll engine on Linux and .NET's socket engine elsewhere. Every request then has
    /// <see cref="IConnectionSocketRecordFeature"/> on <c>HttpContext.Features</c>, the host has a
    /// <see cref="SockConnectionTable"/> service, and the BSD-call trace is logged under "Sock.Trace" at Trace level when
    /// that category is enabled (off, and free, by default). Endpoints sock cannot bind (an inherited file handle) fall
    /// to Kestrel's own transport.
    /// </summary>
    /// <example>
    /// <code>
    /// var builder = WebApplication.CreateSlimBuilder(args);
    /// builder.WebHost.UseSockTransport();
    /// var app = builder.Build();
    /// </code>
    /// </example>
    public static IWebHostBuilder UseSockTransport(this IWebHostBuilder builder, Action<SockTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ConfigureServices(services =>
        {
            if (configure is not null) services.Configure(configure);
            services.AddSingleton<SockTransportFactory>();
            // Added after Kestrel's own: Kestrel asks the last registered transport first.
            services.AddSingleton<IConnectionListenerFactory>(sp => sp.GetRequiredService<SockTransportFactory>());
            services.AddSingleton(sp => new SockConnectionTable(sp.GetRequiredService<SockTransportFactory>().Server));
        });
    }
}
