namespace SmartApi.Storage.Compliance;

/// <summary>
/// Retention per organization (ADR 045): an organization's own, shorter windows delete only its
/// rows, deliveries can go before their events, and energy rollups outlive the raw samples.
/// </summary>
public abstract class RetentionComplianceTests : OutboxComplianceTests
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    [Fact]
    public async Task SetOrganizationRetention_IsReadBack_AndListsOnlyOrganizationsWithTheirOwn()
    {
        var own = await CreateOrganizationAsync("Own");
        var plain = await CreateOrganizationAsync("Plain");
        var retention = new OrganizationRetention(EventsDays: 7, DeliveriesDays: 3, RollupsDays: 3650);

        Assert.True(await WriteAsync(tx => tx.SetOrganizationRetentionAsync(own.Id, retention)));
        Assert.False(await WriteAsync(tx => tx.SetOrganizationRetentionAsync("org_missing", retention)));

        Assert.Equal(retention, (await Store.GetOrganizationAsync(own.Id, Token))!.Retention);
        Assert.Null((await Store.GetOrganizationAsync(plain.Id, Token))!.Retention);
        Assert.Equal([(own.Id, retention)], await Store.ListOrganizationRetentionsAsync(Token));

        await WriteAsync(tx => tx.SetOrganizationRetentionAsync(own.Id, null));
        Assert.Null((await Store.GetOrganizationAsync(own.Id, Token))!.Retention);
        Assert.Empty(await Store.ListOrganizationRetentionsAsync(Token));
    }

    [Fact]
    public async Task PruneOrganization_DeletesOnlyThatOrganizationsOldEventsDeliveriesAndRuns()
    {
        var a = await CreateOrganizationAsync("A");
        var b = await CreateOrganizationAsync("B");
        var (automationA, _) = await CreateAutomationAsync(a.Id);
        var (automationB, _) = await CreateAutomationAsync(b.Id);
        var oldA = await AppendAsync(NewEvent(a.Id));
        var oldB = await AppendAsync(NewEvent(b.Id));
        await WriteAsync(async tx =>
        {
            await tx.InsertRunAsync(FinishedRun(automationA));
            await tx.InsertRunAsync(FinishedRun(automationB));
        });
        Time.Advance(10 * Day);
        var newA = await AppendAsync(NewEvent(a.Id));
        var recentRun = FinishedRun(automationA);
        await WriteAsync(tx => tx.InsertRunAsync(recentRun));
        await CompleteAsync([.. (await ClaimAsync()).Select(c => Outcome(c.Delivery, DeliveryStatus.Succeeded, 200))]);
        var before = Time.GetUtcNow() - 7 * Day;

        var deliveries = await DrainAsync(tx => tx.PruneOrganizationDeliveriesAsync(a.Id, before, 1));
        var events = await DrainAsync(tx => tx.PruneOrganizationEventsAsync(a.Id, before, 1));
        var runs = await DrainAsync(tx => tx.PruneOrganizationRunsAsync(a.Id, before, 1));

        Assert.Equal((1, 1, 1), (deliveries, events, runs));
        Assert.Null(await Store.GetEventAsync(a.Id, oldA.Id, Token));
        Assert.NotNull(await Store.GetEventAsync(a.Id, newA.Id, Token));
        Assert.NotNull(await Store.GetEventAsync(b.Id, oldB.Id, Token));
        Assert.Equal([newA.Id], (await DeliveriesAsync(a.Id)).Select(d => d.EventId));
        Assert.Equal([oldB.Id], (await DeliveriesAsync(b.Id)).Select(d => d.EventId));
        Assert.Equal([recentRun.Id], (await Store.ListRunsAsync(a.Id, automationA.Id, new PageRequest(null, 10), Token)).Items.Select(r => r.Id));
        Assert.Single((await Store.ListRunsAsync(b.Id, automationB.Id, new PageRequest(null, 10), Token)).Items);
    }

    [Fact]
    public async Task PruneOrganizationDeliveries_ShorterThanEvents_KeepsTheEventsAndPendingDeliveries()
    {
        var a = await CreateOrganizationAsync("A");
        await CreateAutomationAsync(a.Id);
        var delivered = await AppendAsync(NewEvent(a.Id));
        await CompleteAsync([.. (await ClaimAsync()).Select(c => Outcome(c.Delivery, DeliveryStatus.Succeeded, 200))]);
        var pending = await AppendAsync(NewEvent(a.Id));
        Time.Advance(5 * Day);
        var now = Time.GetUtcNow();

        var deliveries = await DrainAsync(tx => tx.PruneOrganizationDeliveriesAsync(a.Id, now - 3 * Day, 10));
        var events = await DrainAsync(tx => tx.PruneOrganizationEventsAsync(a.Id, now - 7 * Day, 10));

        Assert.Equal((1, 0), (deliveries, events));
        Assert.NotNull(await Store.GetEventAsync(a.Id, delivered.Id, Token));
        Assert.Equal([pending.Id], (await DeliveriesAsync(a.Id)).Select(d => d.EventId));
        // An event whose delivery is still pending stays even when its window has passed.
        Assert.Equal(1, await DrainAsync(tx => tx.PruneOrganizationEventsAsync(a.Id, now, 10)));
        Assert.NotNull(await Store.GetEventAsync(a.Id, pending.Id, Token));
    }

    [Fact]
    public async Task PruneOrganizationMeasurements_KeepsTheRollups_WhichStillAnswerForTheOldRange_UntilTheirOwnWindow()
    {
        var a = await CreateOrganizationAsync("A");
        var b = await CreateOrganizationAsync("B");
        var deviceA = await CreateDeviceAsync(a.Id);
        var deviceB = await CreateDeviceAsync(b.Id);
        var t0 = Time.GetUtcNow();
        await WriteAsync(tx => tx.InsertMeasurementsAsync([.. Enumerable.Range(0, 3)
            .SelectMany(i => new[] { new MeasurementRow(deviceA.Id, Sample(t0.AddMinutes(i)), 1), new MeasurementRow(deviceB.Id, Sample(t0.AddMinutes(i)), 1) })]));
        await WriteAsync(tx => tx.AddEnergySlotsAsync([.. new[] { deviceA, deviceB }.SelectMany(d => Enumerable.Range(0, 4).Select(i =>
            new EnergySlotTotals(d.OrganizationId, d.Id, t0.AddMinutes(15 * i), 5, 1, 10, 600, 10, 900, 900)))]));
        Time.Advance(10 * Day);
        var now = Time.GetUtcNow();
        var range = new PageRequest(null, 100);

        var samples = await DrainAsync(tx => tx.PruneOrganizationMeasurementsAsync(a.Id, now - 7 * Day, 2));

        Assert.Equal(3, samples);
        Assert.Empty((await Store.ListMeasurementsAsync(deviceA.Id, t0, t0.AddHours(1), range, Token)).Items);
        Assert.Equal(3, (await Store.ListMeasurementsAsync(deviceB.Id, t0, t0.AddHours(1), range, Token)).Items.Count);
        var statistics = Assert.Single(await Store.SumEnergySegmentsAsync(a.Id, [deviceA.Id], [t0, t0.AddHours(1)], Token));
        Assert.Equal(20, statistics.EnergyWh);

        // The rollups' own window: the four slots and the hour they roll up into.
        Assert.Equal(0, await DrainAsync(tx => tx.PruneOrganizationRollupsAsync(a.Id, now - 30 * Day, 2)));
        Assert.Equal(5, await DrainAsync(tx => tx.PruneOrganizationRollupsAsync(a.Id, now - 7 * Day, 2)));

        Assert.Empty(await Store.SumEnergySegmentsAsync(a.Id, [deviceA.Id], [t0, t0.AddHours(1)], Token));
        Assert.Equal(20, Assert.Single(await Store.SumEnergySegmentsAsync(b.Id, [deviceB.Id], [t0, t0.AddHours(1)], Token)).EnergyWh);
    }

    [Fact]
    public async Task PruneOrganization_TwoSweepsAtOnce_DeleteEachRowOnce()
    {
        var a = await CreateOrganizationAsync("A");
        var device = await CreateDeviceAsync(a.Id);
        for (var i = 0; i < 20; i++)
        {
            await AppendAsync(NewEvent(a.Id));
        }
        await WriteAsync(tx => tx.InsertMeasurementsAsync([.. Enumerable.Range(0, 20).Select(i => new MeasurementRow(device.Id, Sample(Time.GetUtcNow().AddSeconds(i)), 0))]));
        Time.Advance(10 * Day);
        var keep = await AppendAsync(NewEvent(a.Id));
        var before = Time.GetUtcNow() - Day;

        // Two nodes: separate units racing over the same rows.
        var sweeps = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            await DrainAsync(tx => tx.PruneOrganizationEventsAsync(a.Id, before, 3))
            + await DrainAsync(tx => tx.PruneOrganizationMeasurementsAsync(a.Id, before, 3)))));

        Assert.Equal(40, sweeps.Sum());
        Assert.Equal([keep.Id], (await Store.ListEventsAsync(a.Id, new EventFilter(), new PageRequest(null, 100), Token)).Items.Select(e => e.Id));
    }

    private static Measurement Sample(DateTimeOffset ts) => new(ts, 10, null, null, null, 0);

    private AutomationRun FinishedRun(Automation automation) =>
        new(Ids.New("run"), automation.OrganizationId, automation.Id, RunStatus.Succeeded, RuleKind.Event, null, "{}", Time.GetUtcNow(), null, null,
            Time.GetUtcNow(), Time.GetUtcNow());

    /// <summary>One unit per batch until a batch deletes nothing, as <c>RetentionService</c> runs them.</summary>
    private async Task<int> DrainAsync(Func<IStoreTransaction, ValueTask<int>> batch)
    {
        int total = 0, deleted;
        do
        {
            deleted = await WriteAsync(batch);
            total += deleted;
        }
        while (deleted > 0);
        return total;
    }
}
