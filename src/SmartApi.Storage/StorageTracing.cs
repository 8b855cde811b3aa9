using System.Diagnostics;

namespace SmartApi.Storage;

/// <summary>
/// The storage's spans: one <c>store.write</c> per unit of work, from its enqueueing to its commit.
/// With no listener (tracing off) <see cref="ActivitySource.StartActivity(string, ActivityKind)"/>
/// returns null and nothing else here runs.
/// </summary>
public static class StorageTracing
{
    /// <summary>The name to add to a tracer provider.</summary>
    public const string SourceName = "SmartApi.Storage";

    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// A span for a unit about to be queued, without making it the caller's current activity: the
    /// caller is not inside the unit, and the unit runs later on the writer.
    /// </summary>
    internal static Activity? StartWrite()
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        var caller = Activity.Current;
        var activity = Source.StartActivity("store.write");
        Activity.Current = caller;
        return activity;
    }
}
