using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Budgets;

/// <summary>The <c>SmartApi:Budgets</c> section.</summary>
internal sealed class BudgetOptions
{
    public const string Section = "SmartApi:Budgets";

    /// <summary>How often the monitor compares every budget's period so far with its limits.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Budgets one organization may have.</summary>
    public int MaxPerOrganization { get; set; } = 100;
}

internal sealed class BudgetOptionsValidator : IValidateOptions<BudgetOptions>
{
    public ValidateOptionsResult Validate(string? name, BudgetOptions options)
    {
        var failures = new OptionsFailures();
        failures.Between("Budgets:CheckInterval", options.CheckInterval, TimeSpan.FromSeconds(5), TimeSpan.FromHours(1));
        failures.Within("Budgets:MaxPerOrganization", options.MaxPerOrganization, 0, 10_000);
        return failures.Result;
    }
}
