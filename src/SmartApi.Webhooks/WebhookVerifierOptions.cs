namespace SmartApi.Webhooks;

/// <summary>Options of <see cref="WebhookVerifier"/>.</summary>
public sealed class WebhookVerifierOptions
{
    /// <summary>The default <see cref="Tolerance"/>: 5 minutes, as the SPEC recommends.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How far the signed timestamp may be from now, in both directions (old requests are replays;
    /// future ones come from a skewed clock). Whole seconds count.
    /// </summary>
    public TimeSpan Tolerance { get; set; } = DefaultTolerance;

    /// <summary>The clock; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
