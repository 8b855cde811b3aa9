using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Devices;

internal static class DevicesRegistration
{
    /// <summary>Devices and the commands sent to them. (The MQTT side of devices is <c>AddMqttGateway</c>.)</summary>
    public static IServiceCollection AddDevices(this IServiceCollection services)
    {
        services.AddValidatedOptions<CommandOptions, CommandOptionsValidator>(CommandOptions.Section);
        services.AddSingleton<DeviceService>();
        services.AddSingleton<DeviceErasureService>();
        return services;
    }
}
