namespace SmartApi.Storage.Compliance;

public abstract class MeasurementExportComplianceTests : StorageComplianceTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ExportMeasurements_SeveralDevices_OrdersByDeviceThenTimeWithinTheRange()
    {
        var organization = await CreateOrganizationAsync();
        var first = await CreateDeviceAsync(organization.Id);
        var second = await CreateDeviceAsync(organization.Id);
        // Inserted newest device first and out of time order, with one row on each side of the range.
        await WriteAsync(tx => tx.InsertMeasurementsAsync([
            Row(second.Id, T0.AddSeconds(5), 21, 0.5), Row(second.Id, T0, 20, 0), Row(second.Id, T0.AddMinutes(1), 99, 0),
            Row(first.Id, T0.AddSeconds(10), 11, 0.25), Row(first.Id, T0.AddMilliseconds(-1), 99, 0), Row(first.Id, T0, 10, 0)]));

        var rows = await ExportAsync(organization.Id, new MeasurementExport([second.Id, first.Id], T0, T0.AddMinutes(1)));

        var (low, high) = string.CompareOrdinal(first.Id, second.Id) < 0 ? (first.Id, second.Id) : (second.Id, first.Id);
        Assert.Equal([low, low, high, high], rows.Select(r => r.DeviceId));
        Assert.Equal(rows.OrderBy(r => r.DeviceId, StringComparer.Ordinal).ThenBy(r => r.TsMs), rows);
        Assert.DoesNotContain(rows, r => r.PowerW == 99);
    }

    [Fact]
    public async Task ExportMeasurements_EveryField_ComesBackAsStored()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var full = new Measurement(T0.AddMilliseconds(123), 12.5, 230.1, 0.054, 41.5, 1234.5);
        var sparse = new Measurement(T0.AddSeconds(1), 0, null, null, null, 1234.75);
        await WriteAsync(tx => tx.InsertMeasurementsAsync([new MeasurementRow(device.Id, full, 0.125), new MeasurementRow(device.Id, sparse, 0.25)]));

        var rows = await ExportAsync(organization.Id, new MeasurementExport([device.Id], T0, T0.AddMinutes(1)));

        Assert.Equal(
            [new ExportedMeasurement(device.Id, full.Ts.ToUnixTimeMilliseconds(), 12.5, 230.1, 0.054, 41.5, 1234.5, 0.125),
             new ExportedMeasurement(device.Id, sparse.Ts.ToUnixTimeMilliseconds(), 0, null, null, null, 1234.75, 0.25)],
            rows);
    }

    [Fact]
    public async Task ExportMeasurements_SmallPages_GiveTheSameRowsAsOnePage()
    {
        var organization = await CreateOrganizationAsync();
        var devices = new[] { await CreateDeviceAsync(organization.Id), await CreateDeviceAsync(organization.Id), await CreateDeviceAsync(organization.Id) };
        // 7, 3 (exactly one page) and 0 rows: pages end inside, at and before a device's rows.
        await WriteAsync(tx => tx.InsertMeasurementsAsync([
            .. Enumerable.Range(0, 7).Select(i => Row(devices[0].Id, T0.AddSeconds(i), i, 0)),
            .. Enumerable.Range(0, 3).Select(i => Row(devices[1].Id, T0.AddSeconds(i), i, 0))]));
        var ids = devices.Select(d => d.Id).ToArray();

        var whole = await ExportAsync(organization.Id, new MeasurementExport(ids, T0, T0.AddHours(1)));
        var paged = await ExportAsync(organization.Id, new MeasurementExport(ids, T0, T0.AddHours(1), PageSize: 3));

        Assert.Equal(10, whole.Count);
        Assert.Equal(whole, paged);
    }

    [Fact]
    public async Task ExportMeasurements_AfterAnyRow_ContinuesWithExactlyTheRowsThatFollowIt()
    {
        var organization = await CreateOrganizationAsync();
        var a = await CreateDeviceAsync(organization.Id);
        var b = await CreateDeviceAsync(organization.Id);
        await WriteAsync(tx => tx.InsertMeasurementsAsync([
            .. Enumerable.Range(0, 4).Select(i => Row(a.Id, T0.AddSeconds(i), i, 0)),
            .. Enumerable.Range(0, 4).Select(i => Row(b.Id, T0.AddSeconds(i), 10 + i, 0))]));
        var export = new MeasurementExport([a.Id, b.Id], T0, T0.AddHours(1), PageSize: 2);
        var whole = await ExportAsync(organization.Id, export);

        for (var i = 0; i < whole.Count; i++)
        {
            var rest = await ExportAsync(organization.Id, export with { After = new MeasurementKey(whole[i].DeviceId, whole[i].TsMs) });
            Assert.Equal(whole.Skip(i + 1), rest);
        }
    }

    [Fact]
    public async Task ExportMeasurements_AfterADeviceNotSelected_StartsAtTheNextSelectedDevice()
    {
        var organization = await CreateOrganizationAsync();
        var a = await CreateDeviceAsync(organization.Id);
        var b = await CreateDeviceAsync(organization.Id);
        await WriteAsync(tx => tx.InsertMeasurementsAsync([Row(a.Id, T0, 1, 0), Row(b.Id, T0, 2, 0)]));
        var (low, high) = string.CompareOrdinal(a.Id, b.Id) < 0 ? (a.Id, b.Id) : (b.Id, a.Id);

        // A key between the two ids: the lower device is wholly before it, the higher wholly after.
        var rows = await ExportAsync(organization.Id, new MeasurementExport([a.Id, b.Id], T0, T0.AddHours(1), new MeasurementKey(low + "~", long.MaxValue)));

        Assert.Equal([high], rows.Select(r => r.DeviceId));
    }

    [Fact]
    public async Task ExportMeasurements_DevicesOfAnotherOrganization_AreSkipped()
    {
        var mine = await CreateOrganizationAsync();
        var theirs = await CreateOrganizationAsync("Other");
        var own = await CreateDeviceAsync(mine.Id);
        var foreign = await CreateDeviceAsync(theirs.Id);
        await WriteAsync(tx => tx.InsertMeasurementsAsync([Row(own.Id, T0, 1, 0), Row(foreign.Id, T0, 2, 0)]));

        var rows = await ExportAsync(mine.Id, new MeasurementExport([own.Id, foreign.Id, "dev_unknown"], T0, T0.AddHours(1)));

        Assert.Equal([own.Id], rows.Select(r => r.DeviceId));
    }

    [Fact]
    public async Task GetDevices_ManyIds_GivesTheOrganizationsDevicesInIdOrderAndLeavesOutOthers()
    {
        var mine = await CreateOrganizationAsync();
        var other = await CreateOrganizationAsync();
        var own = new[] { await CreateDeviceAsync(mine.Id), await CreateDeviceAsync(mine.Id), await CreateDeviceAsync(mine.Id) };
        var foreign = await CreateDeviceAsync(other.Id);

        var devices = await Store.GetDevicesAsync(mine.Id, [own[2].Id, foreign.Id, own[0].Id, "dev_unknown", own[1].Id], TestContext.Current.CancellationToken);

        Assert.Equal(own.Select(d => d.Id).Order(StringComparer.Ordinal), devices.Select(d => d.Id));
        Assert.All(devices, d => Assert.Equal(own.Single(o => o.Id == d.Id).Serial, d.Serial));
        Assert.Empty(await Store.GetDevicesAsync(mine.Id, [], TestContext.Current.CancellationToken));
    }

    private async Task<List<ExportedMeasurement>> ExportAsync(string organizationId, MeasurementExport export)
    {
        var rows = new List<ExportedMeasurement>();
        await foreach (var row in Store.ExportMeasurementsAsync(organizationId, export, Token))
        {
            rows.Add(row);
        }
        return rows;
    }

    private static MeasurementRow Row(string deviceId, DateTimeOffset ts, double powerW, double deltaWh) =>
        new(deviceId, new Measurement(ts, powerW, null, null, null, 100 + powerW), deltaWh);
}
