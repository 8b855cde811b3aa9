using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.ApiKeys;

/// <summary>The API key settings; <c>BootstrapApiKey</c> sits at the root of the <c>SmartApi</c> section.</summary>
internal sealed class ApiKeyOptions
{
    public const string Section = SmartApiOptions.Section;

    /// <summary>If set and no key exists yet, the admin key is created with exactly this secret.</summary>
    public string? BootstrapApiKey { get; set; }
}

internal sealed class ApiKeyOptionsValidator : IValidateOptions<ApiKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options)
    {
        var failures = new OptionsFailures();
        if (options.BootstrapApiKey is { } key
            && (key.Length is < 32 or > ApiKeySecrets.MaxLength || key.Any(c => c is < ' ' or > '~') || key.Trim().Length != key.Length))
        {
            failures.Fail("BootstrapApiKey", "is not a usable API key secret",
                $"Use 32-{ApiKeySecrets.MaxLength} printable ASCII characters, not starting or ending with a space (openssl rand -hex 32)");
        }
        return failures.Result;
    }
}
