using SmartApi.Storage;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// The retention that applies to one organization (ADR 045): its own days where it set them, else
/// the server's (<c>SmartApi:Retention</c>), and never longer than the server's. Deliveries follow
/// the events unless set shorter; rollups are kept forever unless the organization sets days.
/// </summary>
internal readonly record struct RetentionWindows(TimeSpan Events, TimeSpan Deliveries, TimeSpan Measurements, TimeSpan? Rollups)
{
    public const int MinDays = 1;
    public const int MaxDays = 3650;

    public static RetentionWindows Resolve(OrganizationRetention? own, RetentionOptions server)
    {
        var events = Shorter(own?.EventsDays, server.MaxAge);
        return new(
            events,
            Shorter(own?.DeliveriesDays, events),
            Shorter(own?.MeasurementsDays, server.MeasurementsMaxAge),
            own?.RollupsDays is { } rollups ? TimeSpan.FromDays(rollups) : null);
    }

    private static TimeSpan Shorter(int? days, TimeSpan ceiling) =>
        days is { } d && TimeSpan.FromDays(d) < ceiling ? TimeSpan.FromDays(d) : ceiling;
}
