using Microsoft.Extensions.Options;
using SmartApi.Webhooks.Events;
using SmartApi.Server.Energy;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// Emits <c>device.energy.reported</c> for every device with samples in the past period, summed from
/// the energy rollups (<c>energy_slots</c>), not from memory. The period is the UTC clock hour, or with
/// <c>SmartApi:Energy:ReportPeriod</c> = <c>day</c> the local day of each organization's time zone (a
/// 23- or 25-hour day is one report). A unit of work first claims the period in the database, then sums
/// and appends the reports, so several nodes or a restart never report it twice, a node that loses the
/// claim reads nothing, and periods missed while the server was down are caught up (a day back).
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
                await ReportAsync(now, stoppingToken);
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

    /// <summary>One pass: reports every period that ended by <paramref name="now"/> (less the settle time) and is not yet claimed.</summary>
    public Task ReportAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        options.Value.Daily ? ReportDaysDueAsync(now, cancellationToken) : ReportDueAsync(now, cancellationToken);

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
            await ClaimAndReportAsync(tx => tx.TryClaimEnergyReportAsync(start, time.GetUtcNow()), start, start + Hour, null, cancellationToken);
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
                    var (start, end) = LocalDay(day, zone);
                    await ClaimAndReportAsync(
                        tx => tx.TryClaimDailyEnergyReportAsync(organization.Id, start, time.GetUtcNow()), start, end, organization.Id, cancellationToken);
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

    /// <summary>
    /// Claims the period, then sums it and appends one report per device, all in one unit: a period
    /// is decided once, whichever node claims it, and one that had no samples stays claimed (samples
    /// arriving for it later do not reopen it). <paramref name="organizationId"/> null: every organization.
    /// </summary>
    private Task<int> ClaimAndReportAsync(
        Func<IStoreTransaction, ValueTask<bool>> claim, DateTimeOffset start, DateTimeOffset end, string? organizationId, CancellationToken cancellationToken) =>
        store.WriteAsync(async tx =>
        {
            if (!await claim(tx))
            {
                return 0;
            }
            var totals = await tx.SumEnergySlotsAsync(start, end, organizationId);
            foreach (var total in totals)
            {
                await tx.AppendEventAsync(events.Create(WebhookEventTypes.EnergyReported, total.OrganizationId,
                    new EnergyReportedData(total.DeviceId, EventFactory.AssignedOnAppend, start, end, Math.Round(total.EnergyWh, 6))));
            }
            return totals.Count;
        }, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.EnergyReportFailed, Level = LogLevel.Error, Message = "Could not report energy; retried at the next period")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
