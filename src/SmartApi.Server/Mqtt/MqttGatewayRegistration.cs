using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmartApi.Server.Devices;
using SmartApi.Server.Energy;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Mqtt.Provisioning;

namespace SmartApi.Server.Mqtt;

internal static class MqttGatewayRegistration
{
    /// <summary>The device gateway: the transport chosen by configuration, ingestion, presence, commands, hourly or daily energy.</summary>
    public static IServiceCollection AddMqttGateway(this IServiceCollection services)
    {
        services.AddValidatedOptions<MqttOptions, MqttOptionsValidator>(MqttOptions.Section);
        services.AddValidatedOptions<EnergyReportOptions, EnergyReportOptionsValidator>(EnergyReportOptions.Section);
        // One transport options object serves Kestrel's HTTP listener and the broker's (PipelineListener).
        // Read from configuration, not IOptions<MqttOptions>: resolving that here validated it before every other
        // section, out of ConfigurationErrors' order. A value out of range is reported by MqttOptionsValidator.
        services.AddOptions<SocketTransportOptions>().Configure<IConfiguration>((socket, configuration) =>
        {
            var configured = configuration[$"{MqttOptions.Section}:{nameof(MqttOptions.ListenBacklog)}"];
            var backlog = int.TryParse(configured, System.Globalization.CultureInfo.InvariantCulture, out var value) && value is >= 16 and <= 65535
                ? value
                : new MqttOptions().ListenBacklog;
            socket.Backlog = Math.Max(socket.Backlog, backlog);
        });
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<DeviceSettingsChanges>();
        services.AddSingleton<DeviceDirectory>();
        services.AddSingleton<DeviceReports>();
        services.AddSingleton<DevicePresence>();
        services.AddSingleton<DeviceMessageHandler>();
        services.AddSingleton<DeviceMessageRate>();
        services.AddSingleton<BrokerAccounts>();
        services.AddSingleton<MosquittoDynamicSecurity>();
        services.AddSingleton<BrokerAccountReconcile>();
        services.AddSingleton<BrokerAuthLimiter>();
        services.TryAddSingleton<IMessageRateLimits, OrganizationMessageRateLimits>();
        services.AddSingleton<MqttTransport>(sp =>
        {
            var mqtt = sp.GetRequiredService<IOptions<MqttOptions>>().Value;
            return mqtt.ExternalBroker is not null ? ActivatorUtilities.CreateInstance<ExternalBroker>(sp)
                : mqtt.Port > 0 ? ActivatorUtilities.CreateInstance<EmbeddedBroker>(sp)
                : new DisabledTransport();
        });
        // The transport starts first and stops last of the gateway's hosted services.
        services.AddHostedService(sp => sp.GetRequiredService<MqttTransport>());
        services.AddHostedService<DeviceConfigPublisher>();
        services.AddHostedService<DeviceRemoval>();
        services.AddHostedService<CommandDispatcher>();
        services.AddHostedService<EnergyReporter>();
        services.AddHostedService<BrokerAccountWorker>();
        return services;
    }
}
