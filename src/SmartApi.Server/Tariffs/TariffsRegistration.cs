using SmartApi.Server.Energy;

namespace SmartApi.Server.Tariffs;

internal static class TariffsRegistration
{
    /// <summary>Tariff writes and the pricing budgets and statistics use (<see cref="IEnergyPricing"/>, <see cref="IEnergyPriceTimelines"/>).</summary>
    public static IServiceCollection AddTariffs(this IServiceCollection services)
    {
        services.AddSingleton<TariffService>();
        services.AddSingleton<TariffPricing>();
        services.AddSingleton<IEnergyPricing>(sp => sp.GetRequiredService<TariffPricing>());
        services.AddSingleton<IEnergyPriceTimelines>(sp => sp.GetRequiredService<TariffPricing>());
        return services;
    }
}
