using Microsoft.Extensions.Options;
using SmartApi.Webhooks.Events;
using SmartApi.Server.Energy;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// Emits <c>device.energy.reported</c> for every device with samples in the past period, computed from
/// the stored measurements, not from memory. The period is the UTC clock hour, or with
/// <c>SmartApi:Energy:ReportPeriod</c> = <c>day</c> the local day of each organization's time zone (a
/// 23- or 25-hour day is one report). Each period is claimed in the database in the transaction that
/// reports it, so several nodes or a restart never report it twice, and periods missed while the
/// server was down are caught up (a day back).
/// </summary>
internal sealed partial class EnergyReporter(
    ISmartApiStore store, EventFactory events, IOptions<EnergyReportOptions> options, TimeProvider time, ILogger<EnergyReporter> logger) : BackgroundService
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxCatchUp = TimeSpan.FromHours(24);
    private const int OrganizationPage = 500;

    // A little after the hour, so samples of its last seconds still in the ingestion batch count.
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    // Daily mode: the latest local day each organization is done with on this node (claimed, or nothing to report).
    private readonly Dictionary<string, DateOnly> _daysDone = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var daily = options.Value.Daily;
        // Local midnights fall on any quarter hour (+5:45, +10:30), so daily mode looks each grid slot.
        var step = daily ? LocalCalendar.Slot : Hour;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            try
            {
                await (daily ? ReportDaysDueAsync(now, stoppingToken) : ReportDueAsync(now, stoppingToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.Failed(logger, ex);
            }
            var next = (daily ? LocalCalendar.SlotStart(time.GetUtcNow() - Settle) : StartOfHour(time.GetUtcNow() - Settle)) + step + Settle;
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

    /// <summary>The UTC bounds of a local day: from its first instant to the next day's (23, 24 or 25 hours around DST changes).</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) LocalDay(DateOnly day, TimeZoneInfo zone) =>
        (LocalCalendar.StartOfDay(day, zone), LocalCalendar.StartOfDay(day.AddDays(1), zone));

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

    /// <summary>Daily mode: each organization's local days that ended (after the settle time) and are not yet reported, a day back at most.</summary>
    private async Task ReportDaysDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        string? after = null;
        while (true)
        {
            var page = await store.ListOrganizationsAsync(new PageRequest(after, OrganizationPage), cancellationToken);
            foreach (var organization in page.Items)
            {
                var zone = OrganizationTimeZone.Of(organization);
                var lastComplete = LocalCalendar.LocalDate(now - Settle, zone).AddDays(-1);
                var from = _daysDone.TryGetValue(organization.Id, out var done) ? done.AddDays(1) : lastComplete.AddDays(-1);
                for (var day = from; day <= lastComplete; day = day.AddDays(1))
                {
                    await ReportDayAsync(organization.Id, day, zone, cancellationToken);
                }
                _daysDone[organization.Id] = lastComplete;
            }
            if (!page.HasMore || page.Items.Count == 0)
            {
                return;
            }
            after = page.Items[^1].Id;
        }
    }

    private async Task ReportDayAsync(string organizationId, DateOnly day, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        var (start, end) = LocalDay(day, zone);
        var totals = await store.SumEnergyAsync(organizationId, EnergySelection.All, start, end, perSlot: false, cancellationToken);
        if (totals.Count == 0)
        {
            return;
        }
        await store.WriteAsync(async tx =>
        {
            if (!await tx.TryClaimDailyEnergyReportAsync(organizationId, start, time.GetUtcNow()))
            {
                return false;
            }
            foreach (var total in totals)
            {
                await tx.AppendEventAsync(events.Create(WebhookEventTypes.EnergyReported, organizationId,
                    new EnergyReportedData(total.DeviceId, EventFactory.AssignedOnAppend, start, end, Math.Round(total.EnergyWh, 6))));
            }
            return true;
        }, cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.EnergyReportFailed, Level = LogLevel.Error, Message = "Could not report energy; retried at the next period")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
