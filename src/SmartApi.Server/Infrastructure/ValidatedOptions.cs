using Microsoft.Extensions.Options;

namespace SmartApi.Server.Infrastructure;

/// <summary>One configuration section bound to its options class and validated at start-up.</summary>
/// <param name="OptionsType">The options class.</param>
/// <param name="Section">The full configuration path it binds from, such as <c>SmartApi:Mqtt</c>.</param>
/// <param name="Resolve">Binds and validates it (throws on a mistake), for <see cref="ConfigurationErrors.ValidateNow"/>.</param>
internal sealed record ValidatedSection(Type OptionsType, string Section, Func<IServiceProvider, object> Resolve);

internal static class ValidatedOptions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> from <paramref name="section"/>, validates it with
    /// <typeparamref name="TValidator"/> when the host starts, and lists it for
    /// <see cref="ConfigurationErrors.ValidateNow"/>, which checks every section before the host starts.
    /// </summary>
    public static IServiceCollection AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        services.AddSingleton(new ValidatedSection(typeof(TOptions), section, sp => sp.GetRequiredService<IOptions<TOptions>>().Value));
        return services;
    }
}

/// <summary>
/// Collects a section's failures, each one line: "SmartApi:&lt;key&gt;: &lt;what is wrong&gt;. &lt;how to fix it&gt;."
/// (printed as is by <see cref="ConfigurationErrors"/>; the wording is part of the operator's contract).
/// </summary>
internal sealed class OptionsFailures
{
    private readonly List<string> _failures = [];

    public void Fail(string key, string problem, string fix) => _failures.Add($"SmartApi:{key}: {problem}. {fix}.");

    public void Between(string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            Fail(key, $"{value} is out of range",
                max == TimeSpan.MaxValue ? $"Set a duration of at least {min}" : $"Set a duration between {min} and {max}");
        }
    }

    public void Within(string key, long value, long min, long max, string unit = "")
    {
        if (value < min || value > max)
        {
            Fail(key, $"{value} is out of range", $"Set a whole number between {min} and {max}{unit}");
        }
    }

    public ValidateOptionsResult Result => _failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);
}
