namespace SmartApi.Storage.Compliance;

/// <summary>Energy rollups: accumulated per (device, slot), read by range within the organization, gone with the device.</summary>
public abstract class EnergySlotComplianceTests : StorageComplianceTests
{
    private static readonly DateTimeOffset Slot0 = new(2026, 3, 29, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Quarter = TimeSpan.FromMinutes(15);

    private static EnergySlotTotals Change(Device device, int slot, double energy, int samples = 1, double peak = 100, double covered = 60, double on = 60) =>
        new(device.OrganizationId, device.Id, Slot0 + slot * Quarter, energy, samples, 10 * samples, peak * covered, peak, covered, on);

    [Fact]
    public async Task Changes_to_the_same_slot_accumulate_and_keep_the_larger_peak()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        await WriteAsync(tx => tx.AddEnergySlotsAsync([Change(device, 0, 1.5, samples: 2, peak: 300, covered: 120, on: 60), Change(device, 1, 4)]));
        await WriteAsync(tx => tx.AddEnergySlotsAsync([Change(device, 0, 2.25, samples: 3, peak: 200, covered: 180, on: 0)]));
        await WriteAsync(tx => tx.AddEnergySlotsAsync([Change(device, 1, 1, peak: 700)]));

        var slots = await Store.ListEnergySlotsAsync(organization.Id, [device.Id], Slot0, Slot0.AddHours(1), Token);

        Assert.Equal(2, slots.Count);
        var first = slots[0];
        Assert.Equal(new EnergySlotTotals(organization.Id, device.Id, Slot0, 3.75, 5, 50, 300 * 120 + 200 * 180, 300, 300, 60), first);
        Assert.Equal((Slot0 + Quarter, 5.0, 2, 700.0, 120.0, 120.0), (slots[1].Slot, slots[1].EnergyWh, slots[1].Samples, slots[1].PeakPowerW, slots[1].CoveredSeconds, slots[1].OnSeconds));
    }

    [Fact]
    public async Task A_range_is_from_inclusive_to_exclusive_ordered_by_device_then_slot()
    {
        var organization = await CreateOrganizationAsync();
        var a = await CreateDeviceAsync(organization.Id);
        var b = await CreateDeviceAsync(organization.Id);
        var c = await CreateDeviceAsync(organization.Id);
        await WriteAsync(tx => tx.AddEnergySlotsAsync([.. Enumerable.Range(0, 8).SelectMany(i => new[] { Change(b, i, i), Change(a, i, 10 + i), Change(c, i, 20 + i) })]));

        var slots = await Store.ListEnergySlotsAsync(organization.Id, [b.Id, a.Id], Slot0 + Quarter, Slot0 + 4 * Quarter, Token);

        var expected = new[] { a, b }.OrderBy(d => d.Id, StringComparer.Ordinal)
            .SelectMany(d => Enumerable.Range(1, 3).Select(i => (d.Id, Slot0 + i * Quarter))).ToList();
        Assert.Equal(expected, slots.Select(s => (s.DeviceId, s.Slot)).ToList());
        Assert.Equal([11.0, 12, 13], slots.Where(s => s.DeviceId == a.Id).Select(s => s.EnergyWh));
        var single = await Store.ListEnergySlotsAsync(organization.Id, [c.Id], Slot0, Slot0 + 2 * Quarter, Token);
        Assert.Equal([20.0, 21], single.Select(s => s.EnergyWh));
        Assert.Empty(await Store.ListEnergySlotsAsync(organization.Id, [], Slot0, Slot0.AddDays(1), Token));
    }

    [Fact]
    public async Task Slots_are_read_only_within_their_organization()
    {
        var acme = await CreateOrganizationAsync("Acme");
        var other = await CreateOrganizationAsync("Other");
        var device = await CreateDeviceAsync(acme.Id);
        var foreign = await CreateDeviceAsync(other.Id);
        await WriteAsync(tx => tx.AddEnergySlotsAsync([Change(device, 0, 1), Change(foreign, 0, 2)]));

        Assert.Empty(await Store.ListEnergySlotsAsync(other.Id, [device.Id], Slot0, Slot0.AddDays(1), Token));
        Assert.Empty(await Store.ListEnergySlotsAsync(other.Id, [device.Id, device.Id + "x"], Slot0, Slot0.AddDays(1), Token));
        var mine = await Store.ListEnergySlotsAsync(acme.Id, [device.Id, foreign.Id], Slot0, Slot0.AddDays(1), Token);
        Assert.Equal(device.Id, Assert.Single(mine).DeviceId);
    }

    [Fact]
    public async Task Deleting_a_device_deletes_its_slots()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        var kept = await CreateDeviceAsync(organization.Id);
        await WriteAsync(tx => tx.AddEnergySlotsAsync([Change(device, 0, 1), Change(kept, 0, 2)]));

        Assert.True(await WriteAsync(tx => tx.DeleteDeviceAsync(organization.Id, device.Id)));

        Assert.Empty(await Store.ListEnergySlotsAsync(organization.Id, [device.Id], Slot0, Slot0.AddDays(1), Token));
        Assert.Single(await Store.ListEnergySlotsAsync(organization.Id, [kept.Id], Slot0, Slot0.AddDays(1), Token));
    }

    [Fact]
    public async Task A_year_of_slots_reads_back_whole()
    {
        var organization = await CreateOrganizationAsync();
        var device = await CreateDeviceAsync(organization.Id);
        const int Slots = 365 * 96;
        for (var start = 0; start < Slots; start += 4096)
        {
            var from = start;
            await WriteAsync(tx => tx.AddEnergySlotsAsync([.. Enumerable.Range(from, Math.Min(4096, Slots - from)).Select(i => Change(device, i, 0.25))]));
        }

        var slots = await Store.ListEnergySlotsAsync(organization.Id, [device.Id], Slot0, Slot0.AddDays(365), Token);

        Assert.Equal(Slots, slots.Count);
        Assert.Equal(Slots * 0.25, slots.Sum(s => s.EnergyWh), 6);
    }

    [Fact]
    public async Task Segments_sum_the_slots_between_their_boundaries_whole_hours_and_partial_ones_alike()
    {
        var organization = await CreateOrganizationAsync();
        var a = await CreateDeviceAsync(organization.Id);
        var b = await CreateDeviceAsync(organization.Id);
        var random = new Random(15);
        // Two days of slots in three batches, so an hour's row is recomputed after later batches add to its slots.
        var changes = Enumerable.Range(0, 2 * 96).SelectMany(i => new[] { a, b }.Where(_ => random.Next(4) > 0)
            .Select(d => Change(d, i, random.Next(1, 400) / 8.0, samples: random.Next(1, 16), peak: random.Next(1, 3000), covered: random.Next(0, 900), on: random.Next(0, 900)))).ToList();
        foreach (var batch in new[] { changes.Where((_, i) => i % 3 == 0), changes.Where((_, i) => i % 3 == 1), changes.Where((_, i) => i % 3 == 2) })
        {
            var list = batch.ToList();
            await WriteAsync(tx => tx.AddEnergySlotsAsync(list));
        }
        await WriteAsync(tx => tx.AddEnergySlotsAsync([Change(a, 5, 100, peak: 9000)])); // slot 5 again: its hour's peak and sums change
        var slots = await Store.ListEnergySlotsAsync(organization.Id, [a.Id, b.Id], Slot0, Slot0.AddDays(2), Token);
        // The read-back is the oracle below, so tie it to what was written first (every change lies in the two days).
        Assert.Equal(changes.Sum(c => c.EnergyWh) + 100, slots.Sum(s => s.EnergyWh), 6);
        Assert.Equal(changes.Sum(c => c.Samples) + 1, slots.Sum(s => s.Samples));
        // Boundaries: inside hours (00:15, 02:45), whole hours, a segment of one slot, one of several days' hours, one without slots.
        int[] quarters = [1, 2, 11, 12, 16, 17, 40, 44, 45, 190, 192, 200];
        var boundaries = quarters.Select(q => Slot0 + q * Quarter).ToList();

        var sums = await Store.SumEnergySegmentsAsync(organization.Id, [a.Id, b.Id], boundaries, Token);

        var expected = slots.Select(s => (s.DeviceId, Segment: boundaries.FindLastIndex(x => x <= s.Slot), Slot: s))
            .Where(s => s.Segment >= 0 && s.Segment < boundaries.Count - 1)
            .GroupBy(s => (s.DeviceId, s.Segment))
            .ToDictionary(g => g.Key, g => g.Select(x => x.Slot).ToList());
        Assert.Equal(expected.Keys.Order().ToList(), sums.Select(s => (s.DeviceId, s.Segment)).Order().ToList());
        foreach (var sum in sums)
        {
            var group = expected[(sum.DeviceId, sum.Segment)];
            Assert.Equal(group.Sum(s => s.EnergyWh), sum.EnergyWh, 9);
            Assert.Equal(group.Sum(s => s.Samples), sum.Samples);
            Assert.Equal(group.Sum(s => s.PowerSumW), sum.PowerSumW, 9);
            Assert.Equal(group.Sum(s => s.PowerSeconds), sum.PowerSeconds, 6);
            Assert.Equal(group.Max(s => s.PeakPowerW), sum.PeakPowerW);
            Assert.Equal(group.Sum(s => s.CoveredSeconds), sum.CoveredSeconds, 9);
            Assert.Equal(group.Sum(s => s.OnSeconds), sum.OnSeconds, 9);
        }
        Assert.Contains(sums, s => s.DeviceId == a.Id && s.Segment == 1 && s.PeakPowerW == 9000);
        Assert.Empty(await Store.SumEnergySegmentsAsync(organization.Id, [], boundaries, Token));
        Assert.Empty(await Store.SumEnergySegmentsAsync(organization.Id, [a.Id], [Slot0], Token));
    }

    [Fact]
    public async Task Segments_are_summed_only_within_their_organization_and_go_with_the_device()
    {
        var acme = await CreateOrganizationAsync("Acme");
        var other = await CreateOrganizationAsync("Other");
        var device = await CreateDeviceAsync(acme.Id);
        var kept = await CreateDeviceAsync(acme.Id);
        var foreign = await CreateDeviceAsync(other.Id);
        await WriteAsync(tx => tx.AddEnergySlotsAsync([.. Enumerable.Range(0, 8).SelectMany(i => new[] { Change(device, i, 1), Change(kept, i, 2), Change(foreign, i, 4) })]));
        DateTimeOffset[] day = [Slot0, Slot0.AddDays(1)];

        Assert.Empty(await Store.SumEnergySegmentsAsync(other.Id, [device.Id, kept.Id], day, Token));
        var mine = await Store.SumEnergySegmentsAsync(acme.Id, [device.Id, foreign.Id], day, Token);
        Assert.Equal((device.Id, 8.0), (Assert.Single(mine).DeviceId, mine[0].EnergyWh));

        Assert.True(await WriteAsync(tx => tx.DeleteDeviceAsync(acme.Id, device.Id)));

        Assert.Empty(await Store.SumEnergySegmentsAsync(acme.Id, [device.Id], day, Token));
        Assert.Equal(16.0, Assert.Single(await Store.SumEnergySegmentsAsync(acme.Id, [kept.Id], day, Token)).EnergyWh);
    }
}
