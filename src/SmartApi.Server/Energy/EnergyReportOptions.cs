using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Energy;

/// <summary>The <c>SmartApi:Energy:ReportPeriod</c> setting: what one <c>device.energy.reported</c> covers.</summary>
internal sealed class EnergyReportOptions
{
    public const string Section = "SmartApi:Energy";
    public const string Hour = "hour";
    public const string Day = "day";

    /// <summary><c>hour</c> (default): each UTC clock hour; <c>day</c>: each local day of the organization's time zone.</summary>
    public string ReportPeriod { get; set; } = Hour;

    public bool Daily => ReportPeriod == Day;
}

internal sealed class EnergyReportOptionsValidator : IValidateOptions<EnergyReportOptions>
{
    public ValidateOptionsResult Validate(string? name, EnergyReportOptions options)
    {
        var failures = new OptionsFailures();
        if (options.ReportPeriod is not (EnergyReportOptions.Hour or EnergyReportOptions.Day))
        {
            failures.Fail("Energy:ReportPeriod", $"'{options.ReportPeriod}' is not a report period", "Set hour (each UTC hour) or day (each local day of the organization)");
        }
        return failures.Result;
    }
}
