using SmartApi.Storage;

namespace SmartApi.Server.Energy;

internal static class EnergyRegistration
{
    /// <summary>Energy statistics over the rollups the telemetry ingestor keeps; pricing (<see cref="IEnergyPriceTimelines"/>) is used when registered.</summary>
    public static IServiceCollection AddEnergy(this IServiceCollection services)
    {
        services.AddSingleton(sp => new EnergyStatistics(sp.GetRequiredService<ISmartApiStore>(), sp.GetService<IEnergyPriceTimelines>()));
        return services;
    }
}
