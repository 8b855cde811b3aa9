namespace SmartApi.Storage.Compliance;

/// <summary>Budgets within their organization, their once-per-period claims, daily report claims, and the rollup sums the reports read.</summary>
public abstract class BudgetComplianceTests : StorageComplianceTests
{
    private static readonly DateTimeOffset Day = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private Budget NewBudget(string organizationId, string? deviceId = null, string? tagKey = null, string? tagValue = null) => new(
        Ids.New("bud"), organizationId, "Kitchen", deviceId, tagKey, tagValue, "day", 5000, null, Time.GetUtcNow(), Time.GetUtcNow());

    private static EnergySlotTotals Slot(Device device, DateTimeOffset slot, double energyWh) =>
        new(device.OrganizationId, device.Id, slot, energyWh, 1, 100, 100 * 60, 100, 60, 60);

    [Fact]
    public async Task Budgets_are_read_listed_counted_changed_and_deleted_only_within_their_organization()
    {
        var acme = await CreateOrganizationAsync("Acme");
        var other = await CreateOrganizationAsync("Other");
        var budgets = new List<Budget>();
        for (var i = 0; i < 3; i++)
        {
            var budget = NewBudget(acme.Id, tagKey: "room", tagValue: "kitchen") with { Cost = 2.5 + i, EnergyWh = null };
            budgets.Add(budget);
            await WriteAsync(tx => tx.InsertBudgetAsync(budget));
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }
        var foreign = NewBudget(other.Id, deviceId: "dev_x");
        await WriteAsync(tx => tx.InsertBudgetAsync(foreign));

        Assert.Equal(budgets[1], await Store.GetBudgetAsync(acme.Id, budgets[1].Id, Token));
        Assert.Null(await Store.GetBudgetAsync(other.Id, budgets[1].Id, Token));
        Assert.Equal(foreign, await Store.GetBudgetAsync(other.Id, foreign.Id, Token));
        var listed = await ReadAllPagesAsync(after => Store.ListBudgetsAsync(acme.Id, new PageRequest(after, 2), Token), b => b.Id, 2);
        Assert.Equal(budgets, listed);
        Assert.Equal(3, await Store.CountBudgetsAsync(acme.Id, Token));
        var all = await ReadAllPagesAsync(after => Store.ListAllBudgetsAsync(new PageRequest(after, 2), Token), b => b.Id, 2);
        Assert.Equal(budgets.Append(foreign).Select(b => b.Id).Order(StringComparer.Ordinal), all.Select(b => b.Id));

        var changed = budgets[0] with { Name = "Kitchen, less", Period = "month", EnergyWh = 1000, Cost = null, UpdatedAt = Time.GetUtcNow() };
        Assert.True(await WriteAsync(tx => tx.UpdateBudgetAsync(changed)));
        Assert.False(await WriteAsync(tx => tx.UpdateBudgetAsync(changed with { OrganizationId = other.Id })));
        Assert.Equal(changed, await Store.GetBudgetAsync(acme.Id, changed.Id, Token));

        Assert.False(await WriteAsync(tx => tx.DeleteBudgetAsync(other.Id, budgets[2].Id)));
        Assert.True(await WriteAsync(tx => tx.DeleteBudgetAsync(acme.Id, budgets[2].Id)));
        Assert.False(await WriteAsync(tx => tx.DeleteBudgetAsync(acme.Id, budgets[2].Id)));
        Assert.Equal(2, await Store.CountBudgetsAsync(acme.Id, Token));
    }

    [Fact]
    public async Task A_budget_period_is_claimed_once_even_by_racing_writers_and_the_next_period_again()
    {
        var organization = await CreateOrganizationAsync();
        var budget = NewBudget(organization.Id, deviceId: "dev_1");
        await WriteAsync(tx => tx.InsertBudgetAsync(budget));

        // Racing nodes: each claims and appends its event in one unit; exactly one unit wins.
        var racers = Enumerable.Range(0, 8).Select(_ => Task.Run(() => WriteAsync(async tx =>
        {
            if (!await tx.TryClaimBudgetPeriodAsync(organization.Id, budget.Id, Day, Time.GetUtcNow()))
            {
                return false;
            }
            await tx.AppendEventAsync(NewEvent(organization.Id, "energy.budget_exceeded"));
            return true;
        }))).ToArray();
        var won = await Task.WhenAll(racers);
        var nextDay = await WriteAsync(tx => tx.TryClaimBudgetPeriodAsync(organization.Id, budget.Id, Day.AddDays(1), Time.GetUtcNow()));

        Assert.Equal(1, won.Count(w => w));
        var events = await Store.ListEventsAsync(organization.Id, new EventFilter(["energy.budget_exceeded"]), new PageRequest(null, 50), Token);
        Assert.Single(events.Items);
        Assert.True(nextDay);
    }

    [Fact]
    public async Task Deleting_a_budget_drops_its_claims_so_an_id_never_inherits_them()
    {
        var organization = await CreateOrganizationAsync();
        var budget = NewBudget(organization.Id, deviceId: "dev_1");
        await WriteAsync(tx => tx.InsertBudgetAsync(budget));
        Assert.True(await WriteAsync(tx => tx.TryClaimBudgetPeriodAsync(organization.Id, budget.Id, Day, Time.GetUtcNow())));

        await WriteAsync(tx => tx.DeleteBudgetAsync(organization.Id, budget.Id));

        Assert.True(await WriteAsync(tx => tx.TryClaimBudgetPeriodAsync(organization.Id, budget.Id, Day, Time.GetUtcNow())));
    }

    [Fact]
    public async Task Daily_energy_reports_are_claimed_once_per_organization_and_day()
    {
        var acme = await CreateOrganizationAsync("Acme");
        var other = await CreateOrganizationAsync("Other");

        var first = await WriteAsync(tx => tx.TryClaimDailyEnergyReportAsync(acme.Id, Day, Time.GetUtcNow()));
        var again = await WriteAsync(tx => tx.TryClaimDailyEnergyReportAsync(acme.Id, Day, Time.GetUtcNow()));
        var otherOrganization = await WriteAsync(tx => tx.TryClaimDailyEnergyReportAsync(other.Id, Day, Time.GetUtcNow()));
        var nextDay = await WriteAsync(tx => tx.TryClaimDailyEnergyReportAsync(acme.Id, Day.AddDays(1), Time.GetUtcNow()));

        Assert.Equal((true, false, true, true), (first, again, otherOrganization, nextDay));
    }

    [Fact]
    public async Task SumEnergySlots_sums_each_device_s_slots_in_the_range_of_one_organization_or_of_all()
    {
        var acme = await CreateOrganizationAsync("Acme");
        var other = await CreateOrganizationAsync("Other");
        var kettle = await CreateDeviceAsync(acme.Id);
        var lamp = await CreateDeviceAsync(acme.Id);
        var quiet = await CreateDeviceAsync(acme.Id);
        var foreign = await CreateDeviceAsync(other.Id);
        await WriteAsync(tx => tx.AddEnergySlotsAsync(
        [
            Slot(kettle, Day.AddMinutes(-15), 1000),
            Slot(kettle, Day, 10),
            Slot(kettle, Day.AddHours(23.75), 7.5),
            Slot(kettle, Day.AddHours(24), 1000),
            Slot(lamp, Day.AddHours(2), 3),
            Slot(quiet, Day.AddHours(25), 1),
            Slot(foreign, Day.AddHours(2), 400),
        ]));
        var end = Day.AddHours(24);

        var ofAcme = await WriteAsync(tx => tx.SumEnergySlotsAsync(Day, end, acme.Id));
        var ofAll = await WriteAsync(tx => tx.SumEnergySlotsAsync(Day, end));
        var empty = await WriteAsync(tx => tx.SumEnergySlotsAsync(Day.AddDays(-5), Day.AddDays(-4), acme.Id));

        Assert.Equal(
            new[] { new DeviceEnergyTotal(kettle.Id, acme.Id, 17.5), new DeviceEnergyTotal(lamp.Id, acme.Id, 3) }.OrderBy(t => t.DeviceId, StringComparer.Ordinal),
            ofAcme);
        Assert.Equal(ofAcme.Append(new DeviceEnergyTotal(foreign.Id, other.Id, 400)).OrderBy(t => t.DeviceId, StringComparer.Ordinal), ofAll);
        Assert.Empty(empty);
    }
}
