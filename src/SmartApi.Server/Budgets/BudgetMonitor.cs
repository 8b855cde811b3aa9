using Microsoft.Extensions.Options;
using SmartApi.Server.Energy;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;
using SmartApi.Webhooks.Events;

namespace SmartApi.Server.Budgets;

/// <summary>
/// Every <see cref="BudgetOptions.CheckInterval"/>, compares each budget's consumption (and cost, when
/// tariffs price it) in the current local day or month of its organization with its limits. The first
/// time a period passes a limit, <c>energy.budget_exceeded</c> is appended in the transaction that
/// claims that budget and period, so the event exists once whichever node sees it first. A period
/// already exceeded is remembered here and not queried again.
/// </summary>
internal sealed partial class BudgetMonitor(
    ISmartApiStore store,
    EventFactory events,
    IOptions<BudgetOptions> options,
    TimeProvider time,
    ILogger<BudgetMonitor> logger,
    IEnergyPricing? pricing = null) : BackgroundService
{
    private const int PageSize = 500;

    // Budgets whose current period is already exceeded (claimed here or by another node).
    private readonly HashSet<(string BudgetId, DateTimeOffset PeriodStart)> _exceeded = [];
    private readonly SemaphoreSlim _pass = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckInterval, time);
        do
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.Failed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>One pass over every budget; returns how many <c>energy.budget_exceeded</c> events this pass appended.</summary>
    public async Task<int> CheckAsync(CancellationToken cancellationToken)
    {
        await _pass.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            var zones = new Dictionary<string, TimeZoneInfo?>(StringComparer.Ordinal);
            var current = new HashSet<(string, DateTimeOffset)>();
            var emitted = 0;
            string? after = null;
            while (true)
            {
                var page = await store.ListAllBudgetsAsync(new PageRequest(after, PageSize), cancellationToken);
                foreach (var budget in page.Items)
                {
                    if (!zones.TryGetValue(budget.OrganizationId, out var zone))
                    {
                        zones[budget.OrganizationId] = zone = await store.GetOrganizationAsync(budget.OrganizationId, cancellationToken) is { } organization
                            ? OrganizationTimeZone.Of(organization)
                            : null;
                    }
                    if (zone is null)
                    {
                        continue;
                    }
                    var period = BudgetPeriods.Current(now, budget.Period, zone);
                    current.Add((budget.Id, period.Start));
                    if (_exceeded.Contains((budget.Id, period.Start)))
                    {
                        continue;
                    }
                    try
                    {
                        emitted += await CheckBudgetAsync(budget, period, zone, now, cancellationToken) ? 1 : 0;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.BudgetFailed(logger, budget.Id, ex);
                    }
                }
                if (!page.HasMore || page.Items.Count == 0)
                {
                    break;
                }
                after = page.Items[^1].Id;
            }
            // Past periods and deleted budgets are forgotten.
            _exceeded.IntersectWith(current);
            return emitted;
        }
        finally
        {
            _pass.Release();
        }
    }

    private async Task<bool> CheckBudgetAsync(Budget budget, BudgetPeriod period, TimeZoneInfo zone, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var selection = budget.DeviceId is { } deviceId ? new EnergySelection([deviceId]) : new EnergySelection(null, budget.TagKey, budget.TagValue);
        var priced = budget.Cost is not null && pricing is not null;
        var sums = await store.SumEnergyAsync(budget.OrganizationId, selection, period.Start, period.End, perSlot: priced, cancellationToken);
        var energy = Math.Round(sums.Sum(s => s.EnergyWh), 6);
        var (cost, currency) = priced ? await PriceAsync(budget, zone, period, sums, cancellationToken) : (null, null);
        var overEnergy = budget.EnergyWh is { } energyLimit && energy > energyLimit;
        var overCost = budget.Cost is { } costLimit && cost is { } spent && spent > costLimit;
        if (!overEnergy && !overCost)
        {
            return false;
        }
        var data = new BudgetExceededData(budget.Id, budget.Name, budget.DeviceId, budget.TagKey is null ? null : $"{budget.TagKey}:{budget.TagValue}",
            budget.Period, period.Start, period.End, budget.EnergyWh, budget.Cost, energy, cost, currency);
        var claimed = await store.WriteAsync(async tx =>
        {
            if (!await tx.TryClaimBudgetPeriodAsync(budget.OrganizationId, budget.Id, period.Start, now))
            {
                return false;
            }
            await tx.AppendEventAsync(events.Create(WebhookEventTypes.BudgetExceeded, budget.OrganizationId, data));
            return true;
        }, cancellationToken);
        _exceeded.Add((budget.Id, period.Start));
        return claimed;
    }

    /// <summary>The period's cost so far: each device's slots priced by its tariff; devices no tariff applies to add nothing.</summary>
    private async Task<(double? Cost, string? Currency)> PriceAsync(
        Budget budget, TimeZoneInfo zone, BudgetPeriod period, IReadOnlyList<DeviceEnergySum> sums, CancellationToken cancellationToken)
    {
        double? cost = null;
        string? currency = null;
        LocalBucket[] bucket = [new(period.Start, period.End, LocalCalendar.Local(period.Start, zone))];
        foreach (var device in sums.GroupBy(s => s.DeviceId, StringComparer.Ordinal))
        {
            if (await store.GetDeviceAsync(budget.OrganizationId, device.Key, cancellationToken) is not { } found)
            {
                continue;
            }
            EnergySlot[] slots = [.. device.Select(s => new EnergySlot(s.Start, s.EnergyWh))];
            if (await pricing!.PriceAsync(budget.OrganizationId, device.Key, found.Tags, zone, slots, bucket, cancellationToken) is { } price)
            {
                cost = (cost ?? 0) + price.Cost[0];
                currency ??= price.Currency;
            }
        }
        return (cost is { } c ? Math.Round(c, 6) : null, currency);
    }

    public override void Dispose()
    {
        _pass.Dispose();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.BudgetMonitorFailed, Level = LogLevel.Error, Message = "The budget check failed; retried at the next interval")]
        public static partial void Failed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = LogEvents.BudgetCheckFailed, Level = LogLevel.Warning, Message = "Could not check budget {BudgetId}; retried at the next interval")]
        public static partial void BudgetFailed(ILogger logger, string budgetId, Exception exception);
    }
}
