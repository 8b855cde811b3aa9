namespace SmartApi.Server.Automations;

internal static class AutomationsRegistration
{
    /// <summary>
    /// Automations: validation, definitions, power triggers and the scheduler. The scheduler is a
    /// hosted service registered here, before telemetry: it loads the power trigger index while starting.
    /// </summary>
    public static IServiceCollection AddAutomations(this IServiceCollection services)
    {
        services.AddSingleton<RuleValidation>();
        services.AddSingleton<AutomationValidation>();
        services.AddSingleton<AutomationService>();
        services.AddSingleton<PowerTriggers>();
        services.AddSingleton<AutomationScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<AutomationScheduler>());
        return services;
    }

    /// <summary>
    /// Automation runs: the runner that claims queued runs and carries out their actions. A call of
    /// its own because it starts after the MQTT gateway (and stops before it).
    /// </summary>
    public static IServiceCollection AddAutomationRuns(this IServiceCollection services)
    {
        services.AddSingleton<RunExecutor>();
        services.AddHostedService<AutomationRunner>();
        return services;
    }
}
