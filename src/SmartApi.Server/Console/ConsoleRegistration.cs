using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using SmartApi.WebConsole;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Mqtt;
using SmartApi.Storage;

namespace SmartApi.Server.WebConsole;

internal static class ConsoleRegistration
{
    /// <summary>The web console at <c>/</c>: Razor components (SmartApi.Console), sessions, Data Protection keys in the database.</summary>
    public static WebApplicationBuilder AddConsole(this WebApplicationBuilder builder)
    {
        // The static web assets manifest (MudBlazor's files, the console's own, the Blazor script)
        // is only read by default in Development, and under the entry assembly's name: the console
        // needs the server's, however the server is started (dotnet run, a test host, any environment).
        if (File.Exists(Manifest("runtime")))
        {
            builder.WebHost.UseSetting(WebHostDefaults.StaticWebAssetsKey, Manifest("runtime"));
            builder.WebHost.UseStaticWebAssets();
        }
        // A build's manifest makes MapStaticAssets check every file against it at each request, for
        // hot reload. MudBlazor's package records its CSS a second newer than the file NuGet extracts,
        // so that file went out "re-compressed" with no compression (627 KB for 67 KB), hashed on each
        // request and never answered 304. Files only change under a running server in Development.
        if (!builder.Environment.IsDevelopment() && builder.Configuration[ReloadStaticAssetsAtRuntime] is null)
        {
            builder.Configuration.AddInMemoryCollection([new(ReloadStaticAssetsAtRuntime, "false")]);
        }

        var services = builder.Services;
        services.AddValidatedOptions<ConsoleOptions, ConsoleOptionsValidator>(ConsoleOptions.Section);
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "smartapi_af";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddDataProtection().SetApplicationName("SmartApi");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
            o.XmlRepository = new StoreXmlRepository(sp.GetRequiredService<ISmartApiStore>(), sp.GetRequiredService<TimeProvider>())));

        services.AddSingleton<ConsoleSessionAuthenticator>();
        services.AddSingleton<IConsoleSessions>(sp => sp.GetRequiredService<ConsoleSessionAuthenticator>());
        services.AddSingleton<ConsolePipeline>();
        services.AddSingleton<ConsoleApiEndpoint>();
        services.AddScoped<ConsoleApi>();
        services.AddSingleton(sp =>
        {
            var mqtt = sp.GetRequiredService<IOptions<MqttOptions>>().Value;
            var external = mqtt.ExternalBroker is { } broker ? new Uri(broker) : null;
            return external is null
                ? new ConsoleConnectionInfo(null, mqtt.Port, mqtt.TlsPort > 0 ? mqtt.TlsPort : null)
                : new ConsoleConnectionInfo(external.Host, external.Port, null);
        });
        return builder;
    }

    public static WebApplication MapConsole(this WebApplication app)
    {
        var pipeline = app.Services.GetRequiredService<ConsolePipeline>();
        app.Use(pipeline.InvokeAsync);
        app.UseAntiforgery();
        app.MapStaticAssets(Manifest("endpoints")).DisableRateLimiting();
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode(o =>
            {
                // ConsolePipeline writes frame-ancestors on every page ('none' for the console, the
                // configured embedders for the portal); the framework's own would forbid the portal's iframe.
                o.ContentSecurityFrameAncestorsPolicy = null;
                // Compression over a WebSocket of a framable page is what that policy guards against:
                // the portal's circuits (console.js marks them) go uncompressed.
                o.ConfigureWebSocketAcceptContext = (context, accept) =>
                {
                    accept.DangerousEnableCompression = !context.Request.Query.ContainsKey(PortalCircuit);
                    return Task.CompletedTask;
                };
            });
        app.MapConsoleEndpoints();
        return app;
    }

    /// <summary>The query parameter console.js adds to the circuit's WebSocket URL on a portal page.</summary>
    public const string PortalCircuit = "portal";
    private const string ReloadStaticAssetsAtRuntime = "ReloadStaticAssetsAtRuntime";

    /// <summary>The server's static web assets manifest of <paramref name="kind"/> (<c>runtime</c> in a build only, <c>endpoints</c> also published).</summary>
    private static string Manifest(string kind) =>
        Path.Combine(AppContext.BaseDirectory, $"{typeof(ConsoleRegistration).Assembly.GetName().Name}.staticwebassets.{kind}.json");
}
