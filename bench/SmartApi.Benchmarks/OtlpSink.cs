using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SmartApi.Benchmarks;

/// <summary>
/// <c>BENCH_TRACING=1</c>: the run's server traces everything and exports over OTLP/HTTP to this
/// loopback sink, which reads each export and discards it. The server is configured only by the
/// standard variables, set here before it starts, as an operator would set them.
/// </summary>
internal static class OtlpSink
{
    /// <param name="command">The harness command: the simulated devices' child processes run no server.</param>
    public static async Task<WebApplication?> StartIfAskedAsync(string? command)
    {
        if (Environment.GetEnvironmentVariable("BENCH_TRACING") != "1" || command is null || command.EndsWith("-devices", StringComparison.Ordinal))
        {
            return null;
        }
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        long exports = 0;
        app.Run(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            Interlocked.Increment(ref exports);
            context.Response.StatusCode = 200;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", address);
        Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        app.Lifetime.ApplicationStopping.Register(() => Console.WriteLine($"tracing on: {Interlocked.Read(ref exports)} OTLP exports received"));
        Console.WriteLine($"tracing on: OTLP/HTTP to {address}");
        return app;
    }
}
