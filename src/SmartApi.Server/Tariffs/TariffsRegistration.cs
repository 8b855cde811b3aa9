using SmartApi.Server.Energy;

namespace SmartApi.Server.Tariffs;

internal static class TariffsRegistration
{
    /// <summary>Tariff writes and the pricing statistics use (<see cref="IEnergyPricing"/>).</summary>
    public static IServiceCollection AddTariffs(this IServiceCollection services)
    {
        services.AddSingleton<TariffService>();
        services.AddSingleton<TariffPricing>();
        services.AddSingleton<IEnergyPricing>(sp => sp.GetRequiredService<TariffPricing>());
        return services;
    }
}
