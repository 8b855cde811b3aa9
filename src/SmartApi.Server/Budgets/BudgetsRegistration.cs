using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Budgets;

internal static class BudgetsRegistration
{
    /// <summary>Energy budgets and the monitor that emits <c>energy.budget_exceeded</c>.</summary>
    public static IServiceCollection AddBudgets(this IServiceCollection services)
    {
        services.AddValidatedOptions<BudgetOptions, BudgetOptionsValidator>(BudgetOptions.Section);
        services.AddSingleton<BudgetMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<BudgetMonitor>());
        return services;
    }
}
