using System.Globalization;

namespace SmartApi.Storage.Compliance;

public abstract class MeasurementComplianceTests : StorageComplianceTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ListMeasurements_TimeRange_ReturnsFromInclusiveToExclusiveInTimeOrder()
    {
        var device = await CreateDeviceInNewOrganizationAsync();
        // Inserted out of order: the store sorts by time.
        await InsertAsync(device.Id, Sample(T0.AddSeconds(30), 3), Sample(T0, 1), Sample(T0.AddSeconds(10), 2), Sample(T0.AddSeconds(40), 4), Sample(T0.AddSeconds(-1), 0));

        var page = await Store.ListMeasurementsAsync(device.Id, T0, T0.AddSeconds(40), new PageRequest(null, 10), Token);

        Assert.Equal([1d, 2d, 3d], page.Items.Select(m => m.PowerW));
        Assert.False(page.HasMore);
    }

    [Fact]
    public async Task InsertMeasurements_RoundTrip_KeepsEveryField()
    {
        var device = await CreateDeviceInNewOrganizationAsync();
        var full = new Measurement(T0.AddMilliseconds(123), 12.5, 230.1, 0.054, 41.5, 1234.5);
        var sparse = new Measurement(T0.AddSeconds(1), 0, null, null, null, 1234.5);
        await WriteAsync(tx => tx.InsertMeasurementsAsync([new MeasurementRow(device.Id, full, 0.1), new MeasurementRow(device.Id, sparse, 0)]));

        var page = await Store.ListMeasurementsAsync(device.Id, T0, T0.AddMinutes(1), new PageRequest(null, 10), Token);

        Assert.Equal([full, sparse], page.Items);
    }

    [Fact]
    public async Task ListMeasurements_Cursor_PagesStrictlyAfterIt()
    {
        var device = await CreateDeviceInNewOrganizationAsync();
        var samples = Enumerable.Range(0, 7).Select(i => Sample(T0.AddSeconds(i), i)).ToArray();
        await InsertAsync(device.Id, samples);

        var first = await Store.ListMeasurementsAsync(device.Id, T0, T0.AddHours(1), new PageRequest(null, 3), Token);
        var afterThird = await Store.ListMeasurementsAsync(device.Id, T0, T0.AddHours(1), new PageRequest(Cursor(samples[2]), 100), Token);
        var all = await ReadAllPagesAsync(
            after => Store.ListMeasurementsAsync(device.Id, T0, T0.AddHours(1), new PageRequest(after, 3), Token), Cursor, 3);

        Assert.True(first.HasMore);
        Assert.Equal(samples.Take(3), first.Items);
        Assert.Equal(samples.Skip(3), afterThird.Items);
        Assert.False(afterThird.HasMore);
        Assert.Equal(samples, all);
    }

    [Fact]
    public async Task ListMeasurements_CursorBeforeFrom_StillHonoursFrom()
    {
        var device = await CreateDeviceInNewOrganizationAsync();
        await InsertAsync(device.Id, Sample(T0, 1), Sample(T0.AddSeconds(1), 2), Sample(T0.AddSeconds(2), 3));

        var page = await Store.ListMeasurementsAsync(device.Id, T0.AddSeconds(1), T0.AddHours(1), new PageRequest(Cursor(Sample(T0.AddDays(-1), 0)), 10), Token);

        Assert.Equal([2d, 3d], page.Items.Select(m => m.PowerW));
    }

    [Fact]
    public async Task ListMeasurements_CursorAtTheLastInstant_ReturnsEmptyWithoutOverflow()
    {
        var device = await CreateDeviceInNewOrganizationAsync();
        await InsertAsync(device.Id, Sample(T0, 1));

        var page = await Store.ListMeasurementsAsync(device.Id, T0, T0.AddHours(1), new PageRequest(long.MaxValue.ToString(CultureInfo.InvariantCulture), 10), Token);

        Assert.Empty(page.Items);
    }

    [Fact]
    public async Task ListMeasurements_MalformedCursor_ThrowsInvalidCursor()
    {
        var device = await CreateDeviceInNewOrganizationAsync();

        await Assert.ThrowsAsync<InvalidCursorException>(
            () => Store.ListMeasurementsAsync(device.Id, T0, T0.AddHours(1), new PageRequest("not-a-time", 10), Token));
    }

    [Fact]
    public async Task ListMeasurements_OtherDevice_ReturnsEmpty()
    {
        var device = await CreateDeviceInNewOrganizationAsync();
        var other = await CreateDeviceInNewOrganizationAsync();
        await InsertAsync(device.Id, Sample(T0, 1));

        Assert.Empty((await Store.ListMeasurementsAsync(other.Id, T0, T0.AddHours(1), new PageRequest(null, 10), Token)).Items);
        Assert.Empty(await Store.AggregateMeasurementsAsync(other.Id, T0, T0.AddHours(1), TimeSpan.FromMinutes(1), Token));
    }

    [Fact]
    public async Task InsertMeasurements_SameDeviceAndTimestamp_KeepsTheFirst()
    {
        var device = await CreateDeviceInNewOrganizationAsync();
        await InsertAsync(device.Id, Sample(T0, 1));

        await InsertAsync(device.Id, Sample(T0, 2), Sample(T0.AddSeconds(1), 3), Sample(T0.AddSeconds(1), 4));

        var page = await Store.ListMeasurementsAsync(device.Id, T0, T0.AddHours(1), new PageRequest(null, 10), Token);
        Assert.Equal([1d, 3d], page.Items.Select(m => m.PowerW));
    }

    [Fact]
    public async Task InsertMeasurements_SameTimestampOnOtherDevice_KeepsBoth()
    {
        var device = await CreateDeviceInNewOrganizationAsync();
        var other = await CreateDeviceInNewOrganizationAsync();

        await WriteAsync(tx => tx.InsertMeasurementsAsync([new MeasurementRow(device.Id, Sample(T0, 1), 0), new MeasurementRow(other.Id, Sample(T0, 2), 0)]));

        Assert.Single((await Store.ListMeasurementsAsync(device.Id, T0, T0.AddHours(1), new PageRequest(null, 10), Token)).Items);
        Assert.Single((await Store.ListMeasurementsAsync(other.Id, T0, T0.AddHours(1), new PageRequest(null, 10), Token)).Items);
    }

    [Fact]
    public async Task AggregateMeasurements_Samples_GroupsIntoAlignedBucketsAndSkipsEmptyOnes()
    {
        var device = await CreateDeviceInNewOrganizationAsync();
        await WriteAsync(tx => tx.InsertMeasurementsAsync([
            new MeasurementRow(device.Id, Sample(T0, 10), 1),
            new MeasurementRow(device.Id, Sample(T0.AddSeconds(20), 20), 2),
            new MeasurementRow(device.Id, Sample(T0.AddSeconds(59.999), 60), 0.5),
            new MeasurementRow(device.Id, Sample(T0.AddMinutes(1), 30), 4),
            new MeasurementRow(device.Id, Sample(T0.AddMinutes(5).AddSeconds(1), 5), 0),
            new MeasurementRow(device.Id, Sample(T0.AddMinutes(10), 99), 99)]));

        var buckets = await Store.AggregateMeasurementsAsync(device.Id, T0, T0.AddMinutes(10), TimeSpan.FromMinutes(1), Token);

        Assert.Equal(
            [
                new MeasurementBucket(T0, 30, 10, 60, 3.5, 3),
                new MeasurementBucket(T0.AddMinutes(1), 30, 30, 30, 4, 1),
                new MeasurementBucket(T0.AddMinutes(5), 5, 5, 5, 0, 1),
            ],
            buckets);
    }

    [Fact]
    public async Task AggregateMeasurements_ExtremeAcceptedValues_StayFiniteAndExact()
    {
        var device = await CreateDeviceInNewOrganizationAsync();
        var day = new DateTimeOffset(T0.Year, T0.Month, T0.Day, 0, 0, 0, TimeSpan.Zero);
        // A day of samples alternating between the power limits, each adding a whole counter's energy.
        var rows = Enumerable.Range(0, 2_000).Select(i => new MeasurementRow(device.Id,
            Sample(day.AddSeconds(i * 40), i % 2 == 0 ? TelemetryLimits.MaxPowerW : TelemetryLimits.MinPowerW), TelemetryLimits.MaxEnergyWh)).ToList();
        await WriteAsync(tx => tx.InsertMeasurementsAsync(rows));

        var bucket = Assert.Single(await Store.AggregateMeasurementsAsync(device.Id, day, day.AddDays(1), TimeSpan.FromDays(1), Token));

        Assert.Equal(new MeasurementBucket(day, 0, TelemetryLimits.MinPowerW, TelemetryLimits.MaxPowerW, 2_000 * TelemetryLimits.MaxEnergyWh, 2_000), bucket);
    }

    [Fact]
    public async Task AggregateMeasurements_StoredValuesOutsideTheLimits_AreLeftOutOfTheSums()
    {
        // Older versions refused only non-finite telemetry: huge values (and, written directly, infinities) may be stored.
        var device = await CreateDeviceInNewOrganizationAsync();
        await WriteAsync(tx => tx.InsertMeasurementsAsync([
            new MeasurementRow(device.Id, Sample(T0, 10), 1),
            new MeasurementRow(device.Id, Sample(T0.AddSeconds(1), double.PositiveInfinity), 1),
            new MeasurementRow(device.Id, Sample(T0.AddSeconds(2), 1.7e308), 1),
            new MeasurementRow(device.Id, Sample(T0.AddSeconds(3), -1.7e308), 1),
            new MeasurementRow(device.Id, Sample(T0.AddSeconds(4), double.NegativeInfinity), 1),
            new MeasurementRow(device.Id, Sample(T0.AddSeconds(5), 20), double.PositiveInfinity),
            new MeasurementRow(device.Id, Sample(T0.AddSeconds(6), 20), 1.7e308),
            new MeasurementRow(device.Id, Sample(T0.AddSeconds(7), 30), 2)]));

        var buckets = await Store.AggregateMeasurementsAsync(device.Id, T0, T0.AddMinutes(1), TimeSpan.FromMinutes(1), Token);

        Assert.Equal([new MeasurementBucket(T0, 20, 10, 30, 3, 2)], buckets);
    }

    [Fact]
    public async Task AggregateMeasurements_BucketLongerThanRange_AlignsStartToUnixEpoch()
    {
        var device = await CreateDeviceInNewOrganizationAsync();
        // 12:07 and 12:14 fall in the 15-minute bucket that starts at 12:00; 12:16 in the one at 12:15.
        await InsertAsync(device.Id, Sample(T0.AddMinutes(7), 1), Sample(T0.AddMinutes(14), 3), Sample(T0.AddMinutes(16), 8));

        var buckets = await Store.AggregateMeasurementsAsync(device.Id, T0, T0.AddHours(1), TimeSpan.FromMinutes(15), Token);

        Assert.Equal([T0, T0.AddMinutes(15)], buckets.Select(b => b.Start));
        Assert.Equal([2d, 8d], buckets.Select(b => b.AvgPowerW));
        Assert.Equal([2, 1], buckets.Select(b => b.Samples));
    }

    [Fact]
    public async Task AggregateMeasurements_BeforeUnixEpoch_AlignsDownNotTowardZero()
    {
        var device = await CreateDeviceInNewOrganizationAsync();
        var epoch = DateTimeOffset.UnixEpoch;
        await InsertAsync(device.Id,
            Sample(epoch.AddSeconds(-90), 1), Sample(epoch.AddSeconds(-61), 2), Sample(epoch.AddSeconds(-60), 3),
            Sample(epoch.AddMilliseconds(-1), 5), Sample(epoch, 7), Sample(epoch.AddSeconds(59), 9));

        var buckets = await Store.AggregateMeasurementsAsync(device.Id, epoch.AddMinutes(-2), epoch.AddMinutes(2), TimeSpan.FromMinutes(1), Token);

        Assert.Equal([epoch.AddMinutes(-2), epoch.AddMinutes(-1), epoch], buckets.Select(b => b.Start));
        Assert.Equal([1.5, 4d, 8d], buckets.Select(b => b.AvgPowerW));
        Assert.Equal([2, 2, 2], buckets.Select(b => b.Samples));
    }

    [Fact]
    public async Task GetEnergyState_NewDevice_ReturnsZeroTotalAndNoLatest()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);

        var state = await WriteAsync(tx => tx.GetEnergyStateAsync(device.Id));

        Assert.Equal(new EnergyState(organization.Id, 0, null, null, SwitchTimeline.Unknown), state);
        Assert.Null(await WriteAsync(tx => tx.GetEnergyStateAsync(Ids.New("dev"))));
    }

    [Fact]
    public async Task SetEnergyState_ThenGet_ReturnsItAndDeviceShowsLatest()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var latest = new Measurement(T0, 12.5, 230.1, 0.054, null, 0);

        Assert.True(await WriteAsync(tx => tx.SetEnergyStateAsync(device.Id, 1500.25, 88.5, latest, expectedLatestTs: null, expectedSwitchChangedAt: null)));
        var state = await WriteAsync(tx => tx.GetEnergyStateAsync(device.Id));
        var stored = await Store.GetDeviceAsync(organization.Id, device.Id, Token);

        var expected = latest with { TotalWh = 1500.25 };
        Assert.Equal(new EnergyState(organization.Id, 1500.25, 88.5, expected, SwitchTimeline.Unknown), state);
        Assert.Equal(expected, stored!.Latest);

        Assert.True(await WriteAsync(tx => tx.SetEnergyStateAsync(device.Id, 1600, null, latest with { Ts = T0.AddSeconds(1), VoltageV = null }, T0, null)));
        Assert.Equal(
            new EnergyState(organization.Id, 1600, null, new Measurement(T0.AddSeconds(1), 12.5, null, 0.054, null, 1600), SwitchTimeline.Unknown),
            await WriteAsync(tx => tx.GetEnergyStateAsync(device.Id)));
    }

    [Fact]
    public async Task SetEnergyState_StoredLatestMovedOn_ChangesNothingAndReturnsFalse()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var latest = new Measurement(T0, 12.5, null, null, null, 0);
        Assert.True(await WriteAsync(tx => tx.SetEnergyStateAsync(device.Id, 10, null, latest, expectedLatestTs: null, expectedSwitchChangedAt: null)));

        // Another writer believing there is no sample yet, or an older one, is refused.
        Assert.False(await WriteAsync(tx => tx.SetEnergyStateAsync(device.Id, 99, null, latest with { Ts = T0.AddSeconds(5) }, expectedLatestTs: null, expectedSwitchChangedAt: null)));
        Assert.False(await WriteAsync(tx => tx.SetEnergyStateAsync(device.Id, 99, null, latest with { Ts = T0.AddSeconds(5) }, T0.AddSeconds(-1), null)));
        // A device that is gone is refused too.
        Assert.False(await WriteAsync(tx => tx.SetEnergyStateAsync(Ids.New("dev"), 99, null, latest, expectedLatestTs: null, expectedSwitchChangedAt: null)));

        Assert.Equal(new EnergyState(organization.Id, 10, null, latest with { TotalWh = 10 }, SwitchTimeline.Unknown), await WriteAsync(tx => tx.GetEnergyStateAsync(device.Id)));
    }

    [Fact]
    public async Task UpdateDevice_SwitchChange_KeepsItsTimeAndThePreviousStateForTheEnergyState()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var (on, off) = (T0.AddMinutes(1), T0.AddMinutes(2));

        await WriteAsync(tx => tx.UpdateDeviceAsync(device with { Switch = "on", UpdatedAt = on }));
        var afterOn = (await WriteAsync(tx => tx.GetEnergyStateAsync(device.Id)))!.Switch;
        // Other changes of the row (a rename, presence) leave the switch's change as it was.
        await WriteAsync(tx => tx.UpdateDeviceAsync(device with { Switch = "on", Name = "Kettle", UpdatedAt = on.AddSeconds(30) }));
        var afterRename = (await WriteAsync(tx => tx.GetEnergyStateAsync(device.Id)))!.Switch;
        await WriteAsync(tx => tx.UpdateDeviceAsync(device with { Switch = "off", UpdatedAt = off }));
        var afterOff = (await WriteAsync(tx => tx.GetEnergyStateAsync(device.Id)))!.Switch;

        Assert.Equal(new SwitchTimeline("on", "unknown", on), afterOn);
        Assert.Equal(afterOn, afterRename);
        Assert.Equal(new SwitchTimeline("off", "on", off), afterOff);
        Assert.Equal(("on", "off"), (afterOff.StateAt(off.AddMilliseconds(-1)), afterOff.StateAt(off)));
    }

    [Fact]
    public async Task SetEnergyState_SwitchChangedMeanwhile_ChangesNothingAndReturnsFalse()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var latest = new Measurement(T0, 12.5, null, null, null, 0);
        Assert.True(await WriteAsync(tx => tx.SetEnergyStateAsync(device.Id, 10, null, latest, expectedLatestTs: null, expectedSwitchChangedAt: null)));
        await WriteAsync(tx => tx.UpdateDeviceAsync(device with { Switch = "on", UpdatedAt = T0.AddSeconds(2) }));

        // A writer that computed on-time with the switch before the change is refused; one with the change is not.
        Assert.False(await WriteAsync(tx => tx.SetEnergyStateAsync(device.Id, 99, null, latest with { Ts = T0.AddSeconds(5) }, T0, null)));
        Assert.Equal(10, (await WriteAsync(tx => tx.GetEnergyStateAsync(device.Id)))!.TotalWh);
        Assert.True(await WriteAsync(tx => tx.SetEnergyStateAsync(device.Id, 11, null, latest with { Ts = T0.AddSeconds(5) }, T0, T0.AddSeconds(2))));
        Assert.Equal(11, (await WriteAsync(tx => tx.GetEnergyStateAsync(device.Id)))!.TotalWh);
    }

    [Fact]
    public async Task PruneMeasurements_DeletesOlderSamplesOfEveryDeviceOnly()
    {
        var first = await CreateDeviceInNewOrganizationAsync();
        var second = await CreateDeviceInNewOrganizationAsync();
        // Days apart, so a provider that partitions by day drops whole partitions and trims one.
        var samples = new[] { T0.AddDays(-3), T0.AddDays(-1), T0.AddHours(-1), T0, T0.AddHours(1), T0.AddDays(2) };
        await InsertAsync(first.Id, samples.Select((ts, i) => Sample(ts, i)).ToArray());
        await InsertAsync(second.Id, Sample(T0.AddDays(-2), 1), Sample(T0.AddMinutes(1), 2));

        await Store.PruneMeasurementsAsync(T0, Token);

        var left = await Store.ListMeasurementsAsync(first.Id, T0.AddDays(-10), T0.AddDays(10), new PageRequest(null, 100), Token);
        var otherLeft = await Store.ListMeasurementsAsync(second.Id, T0.AddDays(-10), T0.AddDays(10), new PageRequest(null, 100), Token);
        Assert.Equal([T0, T0.AddHours(1), T0.AddDays(2)], left.Items.Select(m => m.Ts));
        Assert.Equal([T0.AddMinutes(1)], otherLeft.Items.Select(m => m.Ts));
    }

    private async Task<Device> CreateDeviceInNewOrganizationAsync()
    {
        var organization = await CreateOrganizationAsync();
        return await CreateDeviceAsync(organization.Id);
    }

    private static Measurement Sample(DateTimeOffset ts, double powerW) => new(ts, powerW, null, null, null, 0);

    private static string Cursor(Measurement m) => m.Ts.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private Task InsertAsync(string deviceId, params Measurement[] samples) =>
        WriteAsync(tx => tx.InsertMeasurementsAsync(samples.Select(s => new MeasurementRow(deviceId, s, 0)).ToList()));
}
