using Microsoft.Extensions.Options;
using SmartApi.Storage;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// Deletes events, deliveries and their attempts, and finished automation runs, older than <c>SmartApi:Retention:MaxAge</c>
/// (default 30 days) every <c>SmartApi:Retention:Interval</c>. Each batch is its own small unit of
/// work, so writers are never held up for more than one batch. Event cursors older than the
/// retention age stop working (400 invalid_cursor). Console and portal sessions that ended (expired
/// or revoked) more than a day ago are deleted too.
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

        [LoggerMessage(EventId = LogEvents.RetentionFailed, Level = LogLevel.Error, Message = "Retention failed; it runs again at the next interval")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
