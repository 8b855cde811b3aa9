namespace SmartApi.Storage.Compliance;

/// <summary>Erasure of one device's data (ADR 042): what goes, what stays, and that no other device or organization is touched.</summary>
public abstract class ErasureComplianceTests : OutboxComplianceTests
{
    private static readonly DateTimeOffset T0 = new(2025, 2, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task EraseDevice_BlanksItsEventsAndDeliveries_DeletesItsMeasurementsAndRollups_AndLeavesOtherDevicesAlone()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        var device = await CreateDeviceAsync(organization.Id);
        var other = await CreateDeviceAsync(organization.Id);
        var erased = new List<StoredEvent>();
        for (var i = 0; i < 5; i++)
        {
            erased.Add(await AppendAsync(NewEvent(organization.Id, deviceId: device.Id)));
        }
        var kept = await AppendAsync(NewEvent(organization.Id, deviceId: other.Id));
        var keptBefore = await Store.GetEventAsync(organization.Id, kept.Id, Token);
        var claimed = await ClaimAsync();
        await CompleteAsync([.. claimed.Select(c => Outcome(c.Delivery, DeliveryStatus.Succeeded, 200))]);
        await WriteAsync(tx => tx.InsertMeasurementsAsync([.. Enumerable.Range(0, 5)
            .SelectMany(i => new[] { new MeasurementRow(device.Id, Sample(T0.AddSeconds(i)), 0), new MeasurementRow(other.Id, Sample(T0.AddSeconds(i)), 0) })]));
        await WriteAsync(tx => tx.AddEnergySlotsAsync([.. new[] { device, other }.SelectMany(d => Enumerable.Range(0, 3).Select(i =>
            new EnergySlotTotals(organization.Id, d.Id, T0.AddMinutes(15 * i), 1, 1, 10, 600, 10, 60, 60)))]));
        Time.Advance(TimeSpan.FromMinutes(1));
        var at = Time.GetUtcNow();

        // Batches of 2: several units for each table, as the service runs them.
        var (measurements, events, deliveries) = await EraseAsync(organization.Id, device.Id, at, batchSize: 2);

        // 5 samples, 3 quarter-hour slots and the one hour they roll up into.
        Assert.Equal((5 + 3 + 1, 5, 5), (measurements, events, deliveries));
        foreach (var e in erased)
        {
            var stored = await Store.GetEventAsync(organization.Id, e.Id, Token);
            Assert.Equal((e.Type, e.DeviceId, e.Position, "{}", (DateTimeOffset?)at), (stored!.Type, stored.DeviceId, stored.Position, stored.DataJson, stored.ErasedAt));
        }
        Assert.Equal(keptBefore, await Store.GetEventAsync(organization.Id, kept.Id, Token));
        Assert.Contains(other.Id, keptBefore!.DataJson, StringComparison.Ordinal);
        var all = await DeliveriesAsync(organization.Id);
        Assert.Equal(6, all.Count);
        foreach (var d in all)
        {
            var attempt = Assert.Single(await Store.ListAttemptsAsync(d.Id, Token));
            var isErased = d.DeviceId == device.Id;
            Assert.Equal(isErased ? at : null, d.ErasedAt);
            Assert.Equal(isErased ? null : "body 200", attempt.ResponseBody);
            Assert.Equal((DeliveryStatus.Succeeded, 200), (d.Status, attempt.StatusCode));
        }
        var range = new PageRequest(null, 100);
        Assert.Empty((await Store.ListMeasurementsAsync(device.Id, T0, T0.AddHours(1), range, Token)).Items);
        Assert.Equal(5, (await Store.ListMeasurementsAsync(other.Id, T0, T0.AddHours(1), range, Token)).Items.Count);
        var slots = await Store.ListEnergySlotsAsync(organization.Id, [device.Id, other.Id], T0, T0.AddHours(1), Token);
        Assert.Equal([other.Id, other.Id, other.Id], slots.Select(s => s.DeviceId));
    }

    [Fact]
    public async Task EraseDevice_Again_KeepsTheFirstErasureTimeAndCountsNothing()
    {
        var organization = await CreateOrganizationAsync();
        await CreateAutomationAsync(organization.Id);
        var device = await CreateDeviceAsync(organization.Id);
        var appended = await AppendAsync(NewEvent(organization.Id, deviceId: device.Id));
        var first = Time.GetUtcNow();
        await EraseAsync(organization.Id, device.Id, first);
        Time.Advance(TimeSpan.FromHours(1));

        var again = await EraseAsync(organization.Id, device.Id, Time.GetUtcNow());

        Assert.Equal((0L, 0L, 0L), again);
        Assert.Equal(first, (await Store.GetEventAsync(organization.Id, appended.Id, Token))!.ErasedAt);
        Assert.Equal(first, Assert.Single(await DeliveriesAsync(organization.Id)).ErasedAt);
    }

    [Fact]
    public async Task EraseDevice_LeavesDeviceErasedEventsAndOtherOrganizationsAlone()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var notice = await AppendAsync(NewEvent(organization.Id, "device.erased", device.Id, """{"erasureId":"era_1","erasedBy":"key_1"}"""));
        var switched = await AppendAsync(NewEvent(organization.Id, "device.switched", device.Id));
        var stranger = await CreateOrganizationAsync("Stranger");
        var noticeBefore = await Store.GetEventAsync(organization.Id, notice.Id, Token);

        var foreign = await EraseAsync(stranger.Id, device.Id, Time.GetUtcNow());
        var own = await EraseAsync(organization.Id, device.Id, Time.GetUtcNow());

        Assert.Equal((0L, 0L), (foreign.Events, foreign.Deliveries));
        Assert.Equal((0L, 1L, 0L), own);
        Assert.Equal(noticeBefore, await Store.GetEventAsync(organization.Id, notice.Id, Token));
        Assert.Contains("era_1", noticeBefore!.DataJson, StringComparison.Ordinal);
        Assert.Equal("{}", (await Store.GetEventAsync(organization.Id, switched.Id, Token))!.DataJson);
    }

    [Fact]
    public async Task InsertDeviceErasure_StoresTheAuditRecord()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var erasure = new DeviceErasure(Ids.New("era"), organization.Id, device.Id, "key_1", Time.GetUtcNow(), 3, 2, 1);

        await WriteAsync(tx => tx.InsertDeviceErasureAsync(erasure));

        await Assert.ThrowsAnyAsync<Exception>(() => WriteAsync(tx => tx.InsertDeviceErasureAsync(erasure)));
    }

    private static Measurement Sample(DateTimeOffset ts) => new(ts, 10, null, null, null, 0);

    /// <summary>Runs the erasure as <c>DeviceErasureService</c> does: one unit per batch until a batch finds nothing.</summary>
    private async Task<(long Measurements, long Events, long Deliveries)> EraseAsync(string organizationId, string deviceId, DateTimeOffset at, int batchSize = 500)
    {
        long measurements = 0, events = 0, deliveries = 0;
        int deleted;
        do
        {
            deleted = await WriteAsync(tx => tx.EraseDeviceMeasurementsAsync(deviceId, batchSize));
            measurements += deleted;
        }
        while (deleted > 0);
        long after = 0;
        while (true)
        {
            var from = after;
            var batch = await WriteAsync(tx => tx.EraseDeviceEventsAsync(organizationId, deviceId, from, at, batchSize));
            if (batch.LastPosition is not { } last)
            {
                return (measurements, events, deliveries);
            }
            Assert.True(last > after);
            (events, deliveries, after) = (events + batch.Events, deliveries + batch.Deliveries, last);
        }
    }
}
