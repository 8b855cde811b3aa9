using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Events;

internal static class EventsRegistration
{
    /// <summary>Building events, and reading the log live (the stream, its wake-up and its per-organization limit).</summary>
    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
        services.AddValidatedOptions<EventOptions, EventOptionsValidator>(EventOptions.Section);
        services.AddSingleton<EventFactory>();
        services.AddSingleton<EventLogSignal>();
        services.AddSingleton<EventStreamLimiter>();
        services.AddSingleton<EventStreamer>();
        return services;
    }
}
