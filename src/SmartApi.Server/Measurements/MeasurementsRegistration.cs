namespace SmartApi.Server.Measurements;

internal static class MeasurementsRegistration
{
    /// <summary>Telemetry ingestion (group-committed measurements, energy accounting, power triggers).</summary>
    public static IServiceCollection AddMeasurements(this IServiceCollection services)
    {
        services.AddSingleton<TelemetryIngestor>();
        // Hosted after the automation scheduler, which loads the power trigger index the ingestor
        // uses while starting, and before the MQTT gateway that feeds it.
        services.AddHostedService(sp => sp.GetRequiredService<TelemetryIngestor>());
        return services;
    }
}
