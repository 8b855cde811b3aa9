using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Tests.Infrastructure;

/// <summary>
/// The table of contents in <c>AddSmartApi</c>: each feature registers its own options and hosted
/// services. These pin what that split must not change: every options class is bound and validated,
/// a configuration mistake prints what the single options class printed, and the hosted services
/// start (and stop, in reverse) in the same order.
/// </summary>
public sealed class RegistrationTests
{
    [Fact]
    public async Task Every_options_class_with_a_validator_is_bound_from_its_section_and_validated()
    {
        await using var app = Build(new());
        var sections = app.Services.GetServices<ValidatedSection>().ToDictionary(s => s.OptionsType, s => s.Section);

        Assert.Equal(new Dictionary<string, string>
        {
            ["SmartApiOptions"] = "SmartApi",
            ["ApiKeyOptions"] = "SmartApi",
            ["StorageOptions"] = "SmartApi:Storage",
            ["HttpOptions"] = "SmartApi:Http",
            ["LimitOptions"] = "SmartApi:Limits",
            ["EventOptions"] = "SmartApi:Events",
            ["CommandOptions"] = "SmartApi:Commands",
            ["MqttOptions"] = "SmartApi:Mqtt",
            ["WebhookOptions"] = "SmartApi:Webhooks",
            ["RetentionOptions"] = "SmartApi:Retention",
            ["ConsoleOptions"] = "SmartApi:Console",
            ["PortalOptions"] = "SmartApi:Portal",
            ["EnergyReportOptions"] = "SmartApi:Energy",
            ["BudgetOptions"] = "SmartApi:Budgets",
        }.OrderBy(p => p.Key), sections.ToDictionary(s => s.Key.Name, s => s.Value).OrderBy(p => p.Key));

        // A validator written beside an options class but never registered would never run.
        var validated = typeof(SmartApiOptions).Assembly.GetTypes()
            .SelectMany(t => t.GetInterfaces())
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IValidateOptions<>))
            .Select(i => i.GetGenericArguments()[0])
            .ToHashSet();
        Assert.Equal(validated.OrderBy(t => t.Name), sections.Keys.OrderBy(t => t.Name));
        foreach (var type in sections.Keys)
        {
            Assert.NotEmpty(app.Services.GetServices(typeof(IValidateOptions<>).MakeGenericType(type)));
        }
        ConfigurationErrors.ValidateNow(app.Services);
    }

    [Fact]
    public async Task Mistakes_in_several_sections_are_printed_in_the_order_of_the_former_single_validator()
    {
        var error = Assert.Throws<OptionsValidationException>(() => BuildAndValidate(new()
        {
            ["SmartApi:Limits:MaxDevices"] = "-1",
            ["SmartApi:Commands:Ttl"] = "00:00:00",
            ["SmartApi:Events:MaxStreamsPerOrganization"] = "0",
            ["SmartApi:Retention:Interval"] = "00:00:00",
            ["SmartApi:Http:MaxRequestBodySize"] = "10",
            ["SmartApi:Webhooks:Timeout"] = "00:00:00",
            ["SmartApi:Mqtt:Port"] = "70000",
            ["SmartApi:BootstrapApiKey"] = "too-short",
            ["SmartApi:Storage:Provider"] = "oracle",
            ["SmartApi:DataDirectory"] = " ",
        }));

        var keys = ConfigurationErrors.Describe(error)!.Select(line => line.Split(": ")[1]);
        Assert.Equal(
        [
            "SmartApi:DataDirectory", "SmartApi:Storage:Provider", "SmartApi:BootstrapApiKey", "SmartApi:Mqtt:Port", "SmartApi:Webhooks:Timeout",
            "SmartApi:Http:MaxRequestBodySize", "SmartApi:Retention:Interval", "SmartApi:Events:MaxStreamsPerOrganization", "SmartApi:Commands:Ttl",
            "SmartApi:Limits:MaxDevices",
        ], keys);
    }

    [Fact]
    public async Task Of_several_unreadable_values_the_first_in_the_former_binding_order_is_reported()
    {
        // The single options class bound Commands before Retention and Events, and stopped at the first.
        var error = Assert.ThrowsAny<InvalidOperationException>(() => BuildAndValidate(new()
        {
            ["SmartApi:Events:StreamHeartbeat"] = "soon",
            ["SmartApi:Retention:MaxAge"] = "long",
            ["SmartApi:Commands:Ttl"] = "short",
        }));

        var line = Assert.Single(ConfigurationErrors.Describe(error)!);
        Assert.StartsWith("Configuration error: SmartApi:Commands:Ttl: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hosted_services_start_in_the_order_that_keeps_each_one_ready_for_the_next()
    {
        await using var app = await SmartApiApplication.StartAsync();

        var names = string.Join(", ", app.Services.GetServices<IHostedService>().Select(s => s.GetType().Name));

        var expected = string.Join(", ", (string[])
        [
            "TelemetryHostedService", // OpenTelemetry puts its own first, wherever AddObservability is
            "StorageInitializer", // migrations and the bootstrap key, before anything reads
            "HealthCheckPublisherHostedService",
            "DataProtectionHostedService", // AddAuthentication's
            "ApiKeyUsageTracker",
            "AutomationScheduler", // loads the power trigger index...
            "TelemetryIngestor", // ...which telemetry uses from its first message
            "DisabledTransport", // the MQTT transport (SmartApi:Mqtt:Port 0 here), after the ingestor it feeds
            "DeviceConfigPublisher",
            "DeviceRemoval",
            "CommandDispatcher",
            "EnergyReporter",
            "BrokerAccountWorker", // applies device accounts at an external broker (idle unless provisioning is on)
            "AutomationRunner",
            "DeliveryDispatcher",
            "BudgetMonitor", // reads measurements and appends events: after the store, before retention
            "RetentionService",
            "GenericWebHostService",
        ]);
        Assert.True(expected == names, $"Hosted services: {names}");
    }

    /// <summary>What Program.cs does before it runs the host: build it (which resolves Kestrel's options), then validate.</summary>
    private static void BuildAndValidate(Dictionary<string, string?> settings)
    {
        using var app = Build(settings);
        ConfigurationErrors.ValidateNow(app.Services);
    }

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["SmartApi:DataDirectory"] = Path.Combine(Path.GetTempPath(), "smartapi-registration-never-created"),
            ["SmartApi:Mqtt:Port"] = "0",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSmartApi();
        return builder.Build();
    }
}
