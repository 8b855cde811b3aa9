using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Portal;

/// <summary>The <c>SmartApi:Portal</c> section: which sites may embed the portal page (ADR 031).</summary>
internal sealed class PortalOptions
{
    public const string Section = "SmartApi:Portal";

    /// <summary>
    /// The <c>frame-ancestors</c> sources of <c>/portal</c>, space separated as in a Content-Security-Policy:
    /// <c>*</c> (the default: any site may frame it, as the page holds no ambient authority, only the
    /// token its embedder put in the URL), or the integrators' origins such as <c>https://app.example.com https://*.example.org</c>.
    /// </summary>
    public string FrameAncestors { get; set; } = "*";

    /// <summary>The sources, one by one.</summary>
    public string[] FrameAncestorSources => FrameAncestors.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

internal sealed partial class PortalOptionsValidator : IValidateOptions<PortalOptions>
{
    public ValidateOptionsResult Validate(string? name, PortalOptions options)
    {
        var failures = new OptionsFailures();
        var sources = options.FrameAncestorSources;
        if (sources.Length == 0)
        {
            failures.Fail("Portal:FrameAncestors", "is empty", "Set * (any site), 'none', or the origins allowed to embed the portal, space separated");
        }
        else if (sources.FirstOrDefault(s => !Source().IsMatch(s)) is { } bad)
        {
            failures.Fail("Portal:FrameAncestors", $"'{bad}' is not a frame-ancestors source",
                "Use *, 'self', 'none', a scheme such as https:, or an origin such as https://app.example.com or https://*.example.com");
        }
        else if (sources.Length > 1 && sources.Contains("'none'"))
        {
            failures.Fail("Portal:FrameAncestors", "'none' is combined with other sources", "Set 'none' alone, or leave it out");
        }
        return failures.Result;
    }

    // CSP source expressions that make sense for frame-ancestors: no paths, no quotes but the two keywords.
    [GeneratedRegex(@"^(\*|'self'|'none'|[a-z][a-z0-9+.\-]*:|([a-z][a-z0-9+.\-]*://)?(\*\.)?[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*(:(\d{1,5}|\*))?)$")]
    private static partial Regex Source();
}
