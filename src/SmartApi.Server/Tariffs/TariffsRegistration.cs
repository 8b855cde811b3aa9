using SmartApi.Server.Energy;

namespace SmartApi.Server.Tariffs;

internal static class TariffsRegistration
{
    /// <summary>Tariff writes and the price timelines statistics (and so budgets) use (<see cref="IEnergyPriceTimelines"/>).</summary>
    public static IServiceCollection AddTariffs(this IServiceCollection services)
    {
        services.AddSingleton<TariffService>();
        services.AddSingleton<TariffPricing>();
        services.AddSingleton<IEnergyPriceTimelines>(sp => sp.GetRequiredService<TariffPricing>());
        return services;
    }
}
