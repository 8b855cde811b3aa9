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
        services.AddOptions<SocketTransportOptions>().Configure<IOptions<MqttOptions>>((socket, mqtt) => socket.Backlog = Math.Max(socket.Backlog, mqtt.Value.ListenBacklog));
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
