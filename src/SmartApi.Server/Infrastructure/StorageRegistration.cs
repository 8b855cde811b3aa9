using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SmartApi.Storage;
using SmartApi.Storage.Postgres;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Server.Infrastructure;

internal static class StorageRegistration
{
    /// <summary>
    /// The configured store, registered once as <see cref="ISmartApiStore"/> and once per concern
    /// interface (the same instance), the clock and id generator, the schema and bootstrap key at
    /// start-up (<see cref="StorageInitializer"/>), and the readiness check.
    /// </summary>
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddValidatedOptions<SmartApiOptions, SmartApiOptionsValidator>(SmartApiOptions.Section);
        services.AddValidatedOptions<StorageOptions, StorageOptionsValidator>(StorageOptions.Section);

        // TryAdd: a test host may have put its own clock in first.
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IdGenerator>();
        services.AddSingleton<ISmartApiStore>(CreateStore);
        // Forwarded, not created again: whoever replaces ISmartApiStore replaces them all.
        services.AddSingleton<IStoreAdmin>(sp => sp.GetRequiredService<ISmartApiStore>());
        services.AddSingleton<IOrganizationStore>(sp => sp.GetRequiredService<ISmartApiStore>());
        services.AddSingleton<IDeviceStore>(sp => sp.GetRequiredService<ISmartApiStore>());
        services.AddSingleton<ICommandStore>(sp => sp.GetRequiredService<ISmartApiStore>());
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<ISmartApiStore>());
        services.AddSingleton<IMeasurementStore>(sp => sp.GetRequiredService<ISmartApiStore>());
        services.AddSingleton<IAutomationStore>(sp => sp.GetRequiredService<ISmartApiStore>());
        services.AddSingleton<IDeliveryStore>(sp => sp.GetRequiredService<ISmartApiStore>());
        services.AddSingleton<IIdempotencyStore>(sp => sp.GetRequiredService<ISmartApiStore>());
        services.AddSingleton<IPortalSessionStore>(sp => sp.GetRequiredService<ISmartApiStore>());
        services.AddSingleton<ITariffStore>(sp => sp.GetRequiredService<ISmartApiStore>());
        services.AddSingleton<IBudgetStore>(sp => sp.GetRequiredService<ISmartApiStore>());

        // First hosted service: migrations and the bootstrap key before anything else starts.
        services.AddHostedService<StorageInitializer>();
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage", tags: ["ready"]);
        return services;
    }

    /// <summary>Deletes old events, deliveries, runs, idempotency records and measurements on a timer.</summary>
    public static IServiceCollection AddRetention(this IServiceCollection services)
    {
        services.AddValidatedOptions<RetentionOptions, RetentionOptionsValidator>(RetentionOptions.Section);
        services.AddSingleton<RetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        return services;
    }

    /// <summary>The configured provider's store; the container disposes it (both are IAsyncDisposable).</summary>
    private static ISmartApiStore CreateStore(IServiceProvider services)
    {
        var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        return storage.Provider == "postgres"
            ? new PostgresSmartApiStore(new PostgresStorageOptions { ConnectionString = storage.ConnectionString! }, time)
            : new SqliteSmartApiStore(new SqliteStorageOptions
            {
                ConnectionString = storage.SqliteConnectionString(services.GetRequiredService<IOptions<SmartApiOptions>>().Value.DataDirectory),
            }, time);
    }
}

internal sealed class StorageHealthCheck(IStoreAdmin store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (!await store.PingAsync(cancellationToken))
            {
                return HealthCheckResult.Unhealthy("storage did not answer");
            }
            // Reads still work (a full disk, say): the node serves them, so it stays in rotation
            // (Degraded answers 200), but says so until a write commits again.
            return store.Faults.WritesFailing ? HealthCheckResult.Degraded("writes are failing: storage unavailable (disk full?)") : HealthCheckResult.Healthy();
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("storage failed", ex);
        }
    }
}
