using Microsoft.Extensions.Options;
using SmartApi.Server.Devices;
using SmartApi.Server.Energy;
using SmartApi.Server.Events;
using SmartApi.Server.Infrastructure;
using SmartApi.Storage;
using SmartApi.Webhooks.Events;

namespace SmartApi.Server.Budgets;

/// <summary>
/// Every <see cref="BudgetOptions.CheckInterval"/>, compares each budget's consumption (and cost, when
/// tariffs price it) in the current local day or month of its organization with its limits, read from
/// the energy rollups through <see cref="EnergyStatistics"/>. The first time a period passes a limit,
/// <c>energy.budget_exceeded</c> is appended in the transaction that claims that budget and period, so
/// the event exists once whichever node sees it first. A period already exceeded is remembered here
/// and not read again.
/// </summary>
internal sealed partial class BudgetMonitor(
    ISmartApiStore store,
    EnergyStatistics statistics,
    EventFactory events,
    IOptions<BudgetOptions> options,
    TimeProvider time,
    ILogger<BudgetMonitor> logger) : BackgroundService
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
            var current = new HashSet<(string, DateTimeOffset)>();
            var emitted = 0;
            string? after = null;
            while (true)
            {
                var page = await store.ListAllBudgetsAsync(new PageRequest(after, PageSize), cancellationToken);
                foreach (var organization in page.Items.GroupBy(b => b.OrganizationId, StringComparer.Ordinal))
                {
                    try
                    {
                        emitted += await CheckOrganizationAsync(organization.Key, [.. organization], now, current, cancellationToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.OrganizationFailed(logger, organization.Key, ex);
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

    /// <summary>
    /// The budgets of one organization (of one page): its devices are listed once, and the budgets
    /// sharing a period (the local day, or the month) are read in one <see cref="EnergyStatistics.ComputeAsync"/>
    /// over every device they cover, with one bucket for the period.
    /// </summary>
    private async Task<int> CheckOrganizationAsync(
        string organizationId, List<Budget> budgets, DateTimeOffset now, HashSet<(string, DateTimeOffset)> current, CancellationToken cancellationToken)
    {
        if (await store.GetOrganizationAsync(organizationId, cancellationToken) is not { } organization)
        {
            return 0;
        }
        var zone = OrganizationTimeZone.Of(organization);
        var due = new List<(Budget Budget, BudgetPeriod Period)>();
        foreach (var budget in budgets)
        {
            var period = BudgetPeriods.Current(now, budget.Period, zone);
            current.Add((budget.Id, period.Start));
            if (!_exceeded.Contains((budget.Id, period.Start)))
            {
                due.Add((budget, period));
            }
        }
        if (due.Count == 0)
        {
            return 0;
        }
        var devices = await store.ListAllDevicesAsync(organizationId, new DeviceFilter(), cancellationToken);
        var emitted = 0;
        foreach (var group in due.GroupBy(d => d.Period))
        {
            var period = group.Key;
            LocalBucket[] bucket = [new(period.Start, period.End, LocalCalendar.Local(period.Start, zone))];
            var covered = group.Select(d => (d.Budget, Devices: devices.Where(device => Covers(d.Budget, device)).ToList())).ToList();
            var read = covered.SelectMany(c => c.Devices).DistinctBy(device => device.Id, StringComparer.Ordinal).ToList();
            var computed = (await statistics.ComputeAsync(organizationId, read, bucket, zone, now, cancellationToken))
                .ToDictionary(c => c.Device.Id, StringComparer.Ordinal);
            foreach (var (budget, members) in covered)
            {
                try
                {
                    emitted += await ClaimIfOverAsync(budget, period, [.. members.Select(m => computed[m.Id])], bucket, now, cancellationToken) ? 1 : 0;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.BudgetFailed(logger, budget.Id, ex);
                }
            }
        }
        return emitted;
    }

    /// <summary>The budget's device, or every device carrying its tag now.</summary>
    private static bool Covers(Budget budget, Device device) =>
        budget.DeviceId is { } deviceId
            ? string.Equals(device.Id, deviceId, StringComparison.Ordinal)
            : budget.TagKey is { } key && device.Tags.TryGetValue(key, out var value) && string.Equals(value, budget.TagValue, StringComparison.Ordinal);

    /// <summary>
    /// Appends the event when the period's energy or cost is above a limit and this node claims the
    /// period first. Cost adds the devices priced in the budget's one currency; devices in another
    /// currency make it unknown (null), as do devices no tariff applies to, which add nothing.
    /// </summary>
    private async Task<bool> ClaimIfOverAsync(
        Budget budget, BudgetPeriod period, List<DeviceBuckets> members, LocalBucket[] bucket, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (members.Count == 0)
        {
            return false;
        }
        var currency = EnergyStatistics.Currency(members);
        var total = EnergyStatistics.Merge(members, bucket, currency)[0];
        var energy = Math.Round(total.EnergyWh, 6);
        var cost = total.Cost is { } c ? Math.Round(c, 6) : (double?)null;
        var overEnergy = budget.EnergyWh is { } energyLimit && energy > energyLimit;
        var overCost = budget.Cost is { } costLimit && cost is { } spent && spent > costLimit;
        if (!overEnergy && !overCost)
        {
            return false;
        }
        var data = new BudgetExceededData(budget.Id, budget.Name, budget.DeviceId, budget.TagKey is null ? null : $"{budget.TagKey}:{budget.TagValue}",
            budget.Period, period.Start, period.End, budget.EnergyWh, budget.Cost, energy, cost, cost is null ? null : currency);
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

        [LoggerMessage(EventId = LogEvents.BudgetOrganizationFailed, Level = LogLevel.Warning,
            Message = "Could not read the energy of organization {OrganizationId}'s budgets; retried at the next interval")]
        public static partial void OrganizationFailed(ILogger logger, string organizationId, Exception exception);
    }
}
