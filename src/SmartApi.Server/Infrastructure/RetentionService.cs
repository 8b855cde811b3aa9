using Microsoft.Extensions.Options;
using SmartApi.Storage;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// Deletes events, deliveries and their attempts, and finished automation runs, older than <c>SmartApi:Retention:MaxAge</c>
/// (default 30 days) every <c>SmartApi:Retention:Interval</c>. Each batch is its own small unit of
/// work, so writers are never held up for more than one batch. Event cursors older than the
/// retention age stop working (400 invalid_cursor). Console and portal sessions that ended (expired
/// or revoked) more than a day ago are deleted too. An organization's own retention (ADR 045) can
/// only shorten the server's windows, so the server-wide pass keeps its cheap time-ordered deletes
/// and partition drops, and a second pass deletes, organization by organization, what a shorter
/// window of its own makes due (and energy rollups, which are kept unless an organization says).
/// Every delete is idempotent: two nodes sweeping at once delete each row once and otherwise find
/// nothing to do.
/// </summary>
internal sealed partial class RetentionService(ISmartApiStore store, TimeProvider time, IOptions<RetentionOptions> options, ILogger<RetentionService> logger)
    : BackgroundService
{
    public const int BatchSize = 500;

    /// <summary>How long console and portal sessions stay after they expired or were revoked.</summary>
    public static readonly TimeSpan EndedSessionsKept = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.Interval, time);
        try
        {
            do
            {
                await PruneAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Prunes everything older than the retention age, batch by batch; returns the rows deleted.</summary>
    public async Task<long> PruneAsync(CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow() - options.Value.MaxAge;
        long total = 0;
        try
        {
            total += await DrainAsync(tx => tx.PruneAsync(before, BatchSize), cancellationToken);
            total += await DrainAsync(tx => tx.PruneRunsAsync(before, BatchSize), cancellationToken);
            var keysBefore = time.GetUtcNow() - IdempotencyFilter.Window;
            total += await DrainAsync(tx => tx.PruneIdempotencyKeysAsync(keysBefore, BatchSize), cancellationToken);
            // Ended sessions are kept a day, so a sign-in or portal problem can still be looked into.
            var sessionsBefore = time.GetUtcNow() - EndedSessionsKept;
            total += await DrainAsync(tx => tx.PruneConsoleSessionsAsync(sessionsBefore, BatchSize), cancellationToken);
            total += await DrainAsync(tx => tx.PrunePortalSessionsAsync(sessionsBefore, BatchSize), cancellationToken);
            await store.PruneMeasurementsAsync(time.GetUtcNow() - options.Value.MeasurementsMaxAge, cancellationToken);
            total += await PruneOrganizationsAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.Failed(logger, ex);
        }
        if (total > 0)
        {
            Log.Pruned(logger, total, before);
        }
        return total;
    }

    /// <summary>The pass for the organizations with retention of their own; returns the rows deleted.</summary>
    private async Task<long> PruneOrganizationsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        long total = 0;
        foreach (var (organizationId, retention) in await store.ListOrganizationRetentionsAsync(cancellationToken))
        {
            var windows = RetentionWindows.Resolve(retention, options.Value);
            long deleted = 0;
            // Deliveries before their events, as in the server-wide pass: an event goes once nothing is left to deliver.
            if (windows.Deliveries < options.Value.MaxAge)
            {
                deleted += await DrainAsync(tx => tx.PruneOrganizationDeliveriesAsync(organizationId, now - windows.Deliveries, BatchSize), cancellationToken);
            }
            if (windows.Events < options.Value.MaxAge)
            {
                deleted += await DrainAsync(tx => tx.PruneOrganizationEventsAsync(organizationId, now - windows.Events, BatchSize), cancellationToken);
                deleted += await DrainAsync(tx => tx.PruneOrganizationRunsAsync(organizationId, now - windows.Events, BatchSize), cancellationToken);
            }
            if (windows.Measurements < options.Value.MeasurementsMaxAge)
            {
                deleted += await DrainAsync(tx => tx.PruneOrganizationMeasurementsAsync(organizationId, now - windows.Measurements, BatchSize), cancellationToken);
            }
            if (windows.Rollups is { } rollups)
            {
                deleted += await DrainAsync(tx => tx.PruneOrganizationRollupsAsync(organizationId, now - rollups, BatchSize), cancellationToken);
            }
            if (deleted > 0)
            {
                Log.OrganizationPruned(logger, deleted, organizationId);
            }
            total += deleted;
        }
        return total;
    }

    // One batch per transaction until a batch deletes nothing.
    private async Task<long> DrainAsync(Func<IStoreTransaction, ValueTask<int>> pruneBatch, CancellationToken cancellationToken)
    {
        long total = 0;
        int deleted;
        do
        {
            deleted = await store.WriteAsync(pruneBatch, cancellationToken);
            total += deleted;
        }
        while (deleted > 0);
        return total;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.RetentionPruned, Level = LogLevel.Information, Message = "Retention deleted {Count} events, deliveries, runs and ended sessions older than {Before}")]
        public static partial void Pruned(ILogger logger, long count, DateTimeOffset before);

        [LoggerMessage(EventId = LogEvents.RetentionOrganizationPruned, Level = LogLevel.Information, Message = "Retention deleted {Count} rows of organization {OrganizationId} by its own retention")]
        public static partial void OrganizationPruned(ILogger logger, long count, string organizationId);

        [LoggerMessage(EventId = LogEvents.RetentionFailed, Level = LogLevel.Error, Message = "Retention failed; it runs again at the next interval")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
