using Microsoft.Extensions.Options;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// The root of the <c>SmartApi</c> configuration section: what every feature shares. Each feature's
/// own settings live beside it (<c>Mqtt/MqttOptions.cs</c>, <c>Webhooks/WebhookOptions.cs</c>...);
/// key names are part of the public contract (docs/configuration.md).
/// </summary>
internal sealed class SmartApiOptions
{
    public const string Section = "SmartApi";

    public string DataDirectory { get; set; } = "./data";
}

internal sealed class SmartApiOptionsValidator : IValidateOptions<SmartApiOptions>
{
    public ValidateOptionsResult Validate(string? name, SmartApiOptions options)
    {
        var failures = new OptionsFailures();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Fail("DataDirectory", "is empty", "Set it to a directory the server may write to, such as ./data");
        }
        return failures.Result;
    }
}
