using SmartApi.Webhooks.Events;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// Emits <c>device.energy.reported</c> for every device with samples in the past clock hour
/// (UTC), computed from the stored measurements, not from memory. Each hour is claimed in the
/// database before it is reported, so several nodes or a restart never report an hour twice, and
/// hours missed while the server was down are caught up (at most a day back).
/// </summary>
internal sealed partial class EnergyReporter(ISmartApiStore store, EventFactory events, TimeProvider time, ILogger<EnergyReporter> logger) : BackgroundService
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxCatchUp = TimeSpan.FromHours(24);

    // A little after the hour, so samples of its last seconds still in the ingestion batch count.
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            try
            {
                await ReportDueAsync(now, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.Failed(logger, ex);
            }
            var next = StartOfHour(time.GetUtcNow() - Settle) + Hour + Settle;
            try
            {
                await Task.Delay(next - time.GetUtcNow(), time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    public static DateTimeOffset StartOfHour(DateTimeOffset at) => new(at.Year, at.Month, at.Day, at.Hour, 0, 0, TimeSpan.Zero);

    private async Task ReportDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lastComplete = StartOfHour(now - Settle) - Hour;
        var last = await store.GetLastEnergyReportAsync(cancellationToken);
        var from = last is { } reported ? reported + Hour : lastComplete;
        if (from < lastComplete - MaxCatchUp)
        {
            from = lastComplete - MaxCatchUp;
        }
        for (var period = from; period <= lastComplete; period += Hour)
        {
            var start = period;
            await store.WriteAsync(async tx =>
            {
                if (!await tx.TryClaimEnergyReportAsync(start, time.GetUtcNow()))
                {
                    return 0;
                }
                var totals = await tx.SumEnergyAsync(start, start + Hour);
                foreach (var total in totals)
                {
                    await tx.AppendEventAsync(events.Create(WebhookEventTypes.EnergyReported, total.OrganizationId,
                        new EnergyReportedData(total.DeviceId, EventFactory.AssignedOnAppend, start, start + Hour, Math.Round(total.EnergyWh, 6))));
                }
                return totals.Count;
            }, cancellationToken);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.EnergyReportFailed, Level = LogLevel.Error, Message = "Could not report the hourly energy; retried next hour")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
