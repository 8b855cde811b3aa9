using Microsoft.Extensions.Options;

namespace SmartApi.Server.Infrastructure;

/// <summary>The <c>SmartApi:Http</c> section.</summary>
internal sealed class HttpOptions
{
    public const string Section = "SmartApi:Http";

    /// <summary>Largest request body accepted; larger bodies answer 413.</summary>
    public long MaxRequestBodySize { get; set; } = 1024 * 1024;
}

internal sealed class HttpOptionsValidator : IValidateOptions<HttpOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpOptions options)
    {
        var failures = new OptionsFailures();
        failures.Within("Http:MaxRequestBodySize", options.MaxRequestBodySize, 1024, 100 * 1024 * 1024, " bytes");
        return failures.Result;
    }
}
