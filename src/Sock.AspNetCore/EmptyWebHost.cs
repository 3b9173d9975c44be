using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sock.Core.Errors;

namespace Sock.AspNetCore;

/// <summary>
/// The host sock's own web servers run on (serve http, ui): Kestrel over sock's transport and nothing else — no
/// configuration files, no environment variables, no console logger, and a lifetime the caller ends (the default one
/// takes SIGINT/SIGTERM for itself, where a tool has its own drain to run).
/// </summary>
internal static class EmptyWebHost
{
    public static WebApplicationBuilder CreateBuilder(SockTransportOptions transport, string? contentRoot = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = contentRoot });
        builder.Services.AddSingleton<IHostLifetime, CallerLifetime>();
        builder.WebHost.UseKestrelCore();
        // The caller's transport options object itself (its engine options have no setter to copy them through).
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(transport));
        builder.WebHost.UseSockTransport();
        return builder;
    }

    /// <summary>Starts <paramref name="app"/>; on failure disposes it and throws the transport's own error when there is one.</summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            // Kestrel wraps the transport's error ("Failed to bind to address…"); the transport's own says what and why.
            for (var inner = ex; inner is not null; inner = inner.InnerException)
                if (inner is SockException sock) throw sock;
            throw;
        }
    }

    private sealed class CallerLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
