using System.Collections.Concurrent;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.ApiKeys;

/// <summary>
/// Keeps <c>lastUsedAt</c> without a database write per request: uses are noted in memory and
/// flushed in one batch every <see cref="FlushInterval"/>. The store only moves a key's value
/// forward by at least <see cref="Granularity"/>, so several nodes flushing the same key write
/// at most about once a minute between them.
/// </summary>
internal sealed partial class ApiKeyUsageTracker(ISmartApiStore store, TimeProvider time, ILogger<ApiKeyUsageTracker> logger) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan Granularity = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _pending = new(StringComparer.Ordinal);

    public void Record(string keyId)
    {
        var now = time.GetUtcNow();
        // A key in use is noted at most once a second: the stored value has minute granularity anyway.
        if (!_pending.TryGetValue(keyId, out var noted) || now - noted >= TimeSpan.FromSeconds(1))
        {
            _pending[keyId] = now;
        }
    }

    /// <summary>The latest use not yet flushed, so the API shows fresh values before the flush.</summary>
    public DateTimeOffset? PendingUse(string keyId) => _pending.TryGetValue(keyId, out var at) ? at : null;

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty)
        {
            return;
        }
        var uses = _pending.Select(p => (p.Key, p.Value)).ToList();
        try
        {
            await store.WriteAsync(async tx =>
            {
                await tx.TouchApiKeysAsync(uses, Granularity);
                return true;
            }, cancellationToken);
            // Remove only what was written: a use recorded meanwhile stays for the next flush.
            foreach (var use in uses)
            {
                _pending.TryRemove(new KeyValuePair<string, DateTimeOffset>(use.Key, use.Value));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.FlushFailed(logger, uses.Count, ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(CancellationToken.None);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.ApiKeyUsageFlushFailed, Level = LogLevel.Warning, Message = "Could not record the use of {Count} API keys; will retry")]
        public static partial void FlushFailed(ILogger logger, int count, Exception exception);
    }
}
