using System.Diagnostics;
using SmartApi.Server.Energy;
using SmartApi.Storage;
using SmartApi.Storage.Sqlite;

namespace SmartApi.Benchmarks;

/// <summary>
/// Energy statistics on SQLite (docs/benchmarks.md): seeds one device-year of 1-minute samples
/// through the ingest statements (samples and their rollups, batch by batch as the ingestor writes
/// them), times a year of local daily buckets for that device, then seeds a month of rollups for
/// <c>devices</c> devices in 10 tag groups and times the organization's month by tag.
/// </summary>
internal static class EnergyLoad
{
    private static readonly TimeZoneInfo Zurich = TimeZoneInfo.FindSystemTimeZoneById("Europe/Zurich");

    public static async Task<int> RunAsync(string[] args)
    {
        var devices = args is ["--devices", var n, ..] ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 1000;
        await using var bench = await BenchStore.CreateAsync(maxBatchSize: 4096);
        var store = bench.Store;
        var year = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var created = await bench.CreateDevicesAsync(devices + 1);
        var one = created[0];
        var seed = Stopwatch.StartNew();
        Measurement? previous = null;
        var counter = 0.0;
        const int Minutes = 365 * 24 * 60;
        for (var start = 0; start < Minutes; start += 4096)
        {
            var rows = new List<MeasurementRow>(4096);
            var rollup = new EnergyRollup();
            for (var m = start; m < Math.Min(Minutes, start + 4096); m++)
            {
                var power = 50 + (m % 1440 < 480 ? 0 : 150);
                var delta = previous is null ? 0 : power / 60.0;
                counter += delta;
                var sample = new Measurement(year.AddMinutes(m), power, 230, power / 230.0, 30, counter);
                rows.Add(new MeasurementRow(one, sample, delta));
                rollup.Add(bench.OrganizationId, one, previous, sample, delta, SwitchTimeline.Unknown);
                previous = sample;
            }
            await store.WriteAsync(async tx =>
            {
                await tx.InsertMeasurementsAsync(rows);
                await tx.AddEnergySlotsAsync(rollup.Changes());
                return true;
            });
        }
        Console.WriteLine($"seeded {Minutes:N0} samples of one device in {seed.Elapsed.TotalSeconds:N1} s ({Minutes / seed.Elapsed.TotalSeconds:N0} samples/s with rollups)");

        var statistics = new EnergyStatistics(store, new NoServices());
        var priced = new EnergyStatistics(store, new NoServices(new FlatPricing()));
        var device = (await store.GetDeviceAsync(bench.OrganizationId, one))!;
        var now = year.AddYears(1).AddDays(1);
        foreach (var (name, stats) in new[] { ("no pricing", statistics), ("flat pricing", priced) })
        {
            var times = new List<double>();
            for (var i = 0; i < 21; i++)
            {
                var clock = Stopwatch.StartNew();
                // The local year 2025 in Zurich: its first and last local midnights, not UTC's.
                var buckets = LocalCalendar.Buckets(LocalCalendar.StartOfDay(new DateOnly(2025, 1, 1), Zurich),
                    LocalCalendar.StartOfDay(new DateOnly(2026, 1, 1), Zurich), EnergyInterval.Day, Zurich);
                var result = await stats.ComputeAsync(bench.OrganizationId, [device], buckets, Zurich, now, CancellationToken.None);
                times.Add(clock.Elapsed.TotalMilliseconds);
                if (result[0].Buckets.Count != 365)
                {
                    throw new InvalidOperationException("expected 365 days");
                }
            }
            times.Sort();
            Console.WriteLine($"year of daily buckets, one device, {name}: median {times[times.Count / 2]:N1} ms, min {times[0]:N1} ms, max {times[^1]:N1} ms");
        }

        var fleet = created[1..];
        var month = new DateTimeOffset(2025, 5, 31, 22, 0, 0, TimeSpan.Zero); // June in Zurich
        seed.Restart();
        var slots = new List<EnergySlotTotals>(4096);
        for (var d = 0; d < fleet.Length; d++)
        {
            for (var s = 0; s < 30 * 96; s++)
            {
                slots.Add(new EnergySlotTotals(bench.OrganizationId, fleet[d], month.AddMinutes(15 * s), 25, 15, 1500, 90_000, 120, 900, 900));
                if (slots.Count == 4096)
                {
                    await Flush(store, slots);
                }
            }
        }
        await Flush(store, slots);
        Console.WriteLine($"seeded {fleet.Length * 30 * 96:N0} slots of {fleet.Length} devices in {seed.Elapsed.TotalSeconds:N1} s");
        var all = new List<Device>();
        string? cursor = null;
        do
        {
            var page = await store.ListDevicesAsync(bench.OrganizationId, new DeviceFilter(), new PageRequest(cursor, 500));
            all.AddRange(page.Items);
            cursor = page.HasMore ? page.Items[^1].Id : null;
        }
        while (cursor is not null);
        all = [.. all.Where(x => x.Id != one).Select((x, i) => x with { Tags = new Dictionary<string, string> { ["room"] = "room" + (i % 10) } })];
        foreach (var (name, stats) in new[] { ("no pricing", statistics), ("flat pricing", priced) })
        {
            var times = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                var clock = Stopwatch.StartNew();
                var buckets = LocalCalendar.Buckets(month, month.AddDays(30), EnergyInterval.Day, Zurich);
                var result = await stats.ComputeAsync(bench.OrganizationId, all, buckets, Zurich, now, CancellationToken.None);
                var byDevice = result.ToDictionary(r => r.Device.Id);
                var currency = EnergyStatistics.Currency(result);
                var groups = all.GroupBy(x => x.Tags["room"]).Select(g => EnergyStatistics.Merge([.. g.Select(x => byDevice[x.Id])], buckets, null, currency)).ToList();
                times.Add(clock.Elapsed.TotalMilliseconds);
                if (groups.Count != 10)
                {
                    throw new InvalidOperationException("expected 10 groups");
                }
            }
            times.Sort();
            Console.WriteLine($"organization month by tag, {all.Count} devices, {name}: median {times[times.Count / 2]:N0} ms, min {times[0]:N0} ms, max {times[^1]:N0} ms");
        }
        return 0;
    }

    private static async Task Flush(SqliteSmartApiStore store, List<EnergySlotTotals> slots)
    {
        var batch = slots.ToList();
        slots.Clear();
        await store.WriteAsync(async tx =>
        {
            await tx.AddEnergySlotsAsync(batch);
            return true;
        });
    }

    /// <summary>A stand-in for the tariff engine: one price, every slot priced (bench only).</summary>
    private sealed class FlatPricing : IEnergyPricing
    {
        public ValueTask<PricedBuckets?> PriceAsync(string organizationId, string deviceId, IReadOnlyDictionary<string, string> tags, TimeZoneInfo zone,
            IReadOnlyList<EnergySlot> slots, IReadOnlyList<LocalBucket> buckets, CancellationToken cancellationToken)
        {
            var cost = new double[buckets.Count];
            var b = 0;
            foreach (var slot in slots)
            {
                while (slot.Start >= buckets[b].End)
                {
                    b++;
                }
                cost[b] += slot.EnergyWh * 0.00025 * (LocalCalendar.Local(slot.Start, zone).Hour is >= 7 and < 20 ? 1.2 : 0.8);
            }
            return ValueTask.FromResult<PricedBuckets?>(new PricedBuckets("CHF", cost));
        }
    }

    private sealed class NoServices(IEnergyPricing? pricing = null) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(IEnergyPricing) ? pricing : null;
    }
}
