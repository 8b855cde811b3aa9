namespace SmartApi.Storage.Compliance;

/// <summary>Budgets within their organization, their once-per-period claims, daily report claims, and the energy sums they read.</summary>
public abstract class BudgetComplianceTests : StorageComplianceTests
{
    private static readonly DateTimeOffset Day = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private Budget NewBudget(string organizationId, string? deviceId = null, string? tagKey = null, string? tagValue = null) => new(
        Ids.New("bud"), organizationId, "Kitchen", deviceId, tagKey, tagValue, "day", 5000, null, Time.GetUtcNow(), Time.GetUtcNow());

    private static MeasurementRow Sample(string deviceId, DateTimeOffset at, double deltaWh, double powerW = 100) =>
        new(deviceId, new Measurement(at, powerW, null, null, null, deltaWh), deltaWh);

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
    public async Task SumEnergy_covers_the_selected_devices_of_the_organization_per_device_or_per_slot()
    {
        var acme = await CreateOrganizationAsync("Acme");
        var other = await CreateOrganizationAsync("Other");
        var kettle = await CreateDeviceAsync(acme.Id, tags: new Dictionary<string, string> { ["room"] = "kitchen" });
        var oven = await CreateDeviceAsync(acme.Id, tags: new Dictionary<string, string> { ["room"] = "kitchen", ["kind"] = "oven" });
        var lamp = await CreateDeviceAsync(acme.Id, tags: new Dictionary<string, string> { ["room"] = "office" });
        var foreign = await CreateDeviceAsync(other.Id, tags: new Dictionary<string, string> { ["room"] = "kitchen" });
        await WriteAsync(tx => tx.InsertMeasurementsAsync(
        [
            Sample(kettle.Id, Day.AddMinutes(-1), 1000),
            Sample(kettle.Id, Day, 10),
            Sample(kettle.Id, Day.AddMinutes(14), 5),
            Sample(kettle.Id, Day.AddMinutes(15), 7.5),
            Sample(kettle.Id, Day.AddHours(24), 1000),
            Sample(oven.Id, Day.AddHours(3), 20),
            Sample(oven.Id, Day.AddHours(4), 50, powerW: 200_000),
            Sample(lamp.Id, Day.AddHours(2), 3),
            Sample(foreign.Id, Day.AddHours(2), 400),
        ]));
        var end = Day.AddHours(24);

        var kitchen = await Store.SumEnergyAsync(acme.Id, new EnergySelection(null, "room", "kitchen"), Day, end, perSlot: false, Token);
        var all = await Store.SumEnergyAsync(acme.Id, EnergySelection.All, Day, end, perSlot: false, Token);
        var slots = await Store.SumEnergyAsync(acme.Id, new EnergySelection([kettle.Id, foreign.Id]), Day, end, perSlot: true, Token);
        var none = await Store.SumEnergyAsync(acme.Id, new EnergySelection([]), Day, end, perSlot: false, Token);
        var foreignOnly = await Store.SumEnergyAsync(acme.Id, new EnergySelection([foreign.Id]), Day, end, perSlot: false, Token);

        Assert.Equal(
            new[] { new DeviceEnergySum(kettle.Id, Day, 22.5), new DeviceEnergySum(oven.Id, Day, 20) }.OrderBy(s => s.DeviceId, StringComparer.Ordinal),
            kitchen.OrderBy(s => s.DeviceId, StringComparer.Ordinal));
        Assert.Equal(45.5, all.Sum(s => s.EnergyWh), 9);
        Assert.Equal(3, all.Count);
        Assert.Equal([new DeviceEnergySum(kettle.Id, Day, 15), new DeviceEnergySum(kettle.Id, Day.AddMinutes(15), 7.5)], slots);
        Assert.Empty(none);
        Assert.Empty(foreignOnly);
    }
}
