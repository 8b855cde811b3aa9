using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using SmartApi.Contracts;
using SmartApi.Server.Devices;
using SmartApi.Server.Energy;
using SmartApi.Server.Events;
using SmartApi.Server.Tariffs;
using SmartApi.Storage;
using SmartApi.Storage.Postgres;

namespace SmartApi.Benchmarks;

/// <summary>
/// Energy statistics on SQLite, or on PostgreSQL with <c>--postgres</c> (docs/benchmarks.md): seeds
/// one device-year of 1-minute samples through the ingest statements (samples and their rollups,
/// batch by batch as the ingestor writes them), times a year of local daily buckets for that device,
/// then seeds a month of rollups for <c>devices</c> devices in 10 tag groups and times the
/// organization's month by tag. Costs come from the real <see cref="TariffPricing"/>: a peak and
/// off-peak tariff whose prices and day fee change on 2025-06-15, on the organization, and a second
/// one on the tag room:room0.
/// </summary>
internal static class EnergyLoad
{
    private static readonly TimeZoneInfo Zurich = TimeZoneInfo.FindSystemTimeZoneById("Europe/Zurich");

    public static async Task<int> RunAsync(string[] args)
    {
        var devices = 1000;
        string? postgres = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--devices")
            {
                devices = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--postgres")
            {
                postgres = args[i + 1];
            }
        }
        BenchStore? sqlite = null;
        string? schema = null;
        ISmartApiStore store;
        string organizationId;
        if (postgres is null)
        {
            sqlite = await BenchStore.CreateAsync(maxBatchSize: 4096);
            (store, organizationId) = (sqlite.Store, sqlite.OrganizationId);
        }
        else
        {
            schema = "bench_" + Guid.NewGuid().ToString("N")[..12];
            (store, organizationId) = await CreatePostgresAsync(postgres, schema);
        }
        try
        {
            // PostgreSQL plans from table statistics: after a bulk seed they are analyzed, as autovacuum
            // does for a table that grows steadily; SQLite needs nothing.
            Func<Task> analyze = postgres is null ? () => Task.CompletedTask
                : () => Execute(new NpgsqlConnectionStringBuilder(postgres) { SearchPath = schema }.ConnectionString, "ANALYZE");
            return await RunAsync(store, organizationId, devices, analyze);
        }
        finally
        {
            if (sqlite is not null)
            {
                await sqlite.DisposeAsync();
            }
            else
            {
                await ((IAsyncDisposable)store).DisposeAsync();
                NpgsqlConnection.ClearAllPools();
                await Execute(postgres!, $"DROP SCHEMA IF EXISTS {schema} CASCADE");
            }
        }
    }

    private static async Task<(ISmartApiStore Store, string OrganizationId)> CreatePostgresAsync(string postgres, string schema)
    {
        await Execute(postgres, $"CREATE SCHEMA {schema}");
        var store = new PostgresSmartApiStore(
            new PostgresStorageOptions { ConnectionString = new NpgsqlConnectionStringBuilder(postgres) { SearchPath = schema }.ConnectionString },
            TimeProvider.System);
        await store.MigrateAsync();
        var organizationId = new IdGenerator(TimeProvider.System).New("org");
        await store.WriteAsync(async tx =>
        {
            await tx.InsertOrganizationAsync(new Organization(organizationId, "bench", DateTimeOffset.UtcNow));
            return true;
        });
        return (store, organizationId);
    }

    private static async Task Execute(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<int> RunAsync(ISmartApiStore store, string organizationId, int devices, Func<Task> analyze)
    {
        var year = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var ids = new IdGenerator(TimeProvider.System);
        var deviceService = new DeviceService(store, ids, TimeProvider.System, new EventFactory(ids, TimeProvider.System), Options.Create(new CommandOptions()));
        var created = (await Task.WhenAll(Enumerable.Range(0, devices + 1).Select(i =>
            deviceService.CreateAsync(organizationId, new CreateDeviceRequest($"DT31-{i:D6}", $"Bench {i}"), CancellationToken.None)))).Select(c => c.Device.Id).ToArray();
        await AddTariffAsync(store, organizationId, ids, "organization", 0.20, 0.30, TariffText.OrganizationTarget);
        await AddTariffAsync(store, organizationId, ids, "room0", 0.18, 0.27, TariffText.TagTarget("room", "room0"));
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
                rollup.Add(organizationId, one, previous, sample, delta, SwitchTimeline.Unknown);
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
        await analyze();

        var statistics = new EnergyStatistics(store);
        var priced = new EnergyStatistics(store, new TariffPricing(store));
        var device = (await store.GetDeviceAsync(organizationId, one))!;
        var now = year.AddYears(1).AddDays(1);
        foreach (var (name, stats) in new[] { ("no pricing", statistics), ("tariff pricing", priced) })
        {
            var times = new List<double>();
            for (var i = 0; i < 21; i++)
            {
                var clock = Stopwatch.StartNew();
                // The local year 2025 in Zurich: its first and last local midnights, not UTC's.
                var buckets = LocalCalendar.Buckets(LocalCalendar.StartOfDay(new DateOnly(2025, 1, 1), Zurich),
                    LocalCalendar.StartOfDay(new DateOnly(2026, 1, 1), Zurich), EnergyInterval.Day, Zurich);
                var result = await stats.ComputeAsync(organizationId, [device], buckets, Zurich, now, CancellationToken.None);
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
                slots.Add(new EnergySlotTotals(organizationId, fleet[d], month.AddMinutes(15 * s), 25, 15, 1500, 90_000, 120, 900, 900));
                if (slots.Count == 4096)
                {
                    await Flush(store, slots);
                }
            }
        }
        await Flush(store, slots);
        Console.WriteLine($"seeded {fleet.Length * 30 * 96:N0} slots of {fleet.Length} devices in {seed.Elapsed.TotalSeconds:N1} s");
        await analyze();
        var all = await store.ListAllDevicesAsync(organizationId, new DeviceFilter());
        all = [.. all.Where(x => x.Id != one).Select((x, i) => x with { Tags = new Dictionary<string, string> { ["room"] = "room" + (i % 10) } })];
        foreach (var (name, stats) in new[] { ("no pricing", statistics), ("tariff pricing", priced) })
        {
            var times = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                var clock = Stopwatch.StartNew();
                var buckets = LocalCalendar.Buckets(month, month.AddDays(30), EnergyInterval.Day, Zurich);
                var result = await stats.ComputeAsync(organizationId, all, buckets, Zurich, now, CancellationToken.None);
                var byDevice = result.ToDictionary(r => r.Device.Id);
                var currency = EnergyStatistics.Currency(result);
                var groups = all.GroupBy(x => x.Tags["room"]).Select(g => EnergyStatistics.Merge([.. g.Select(x => byDevice[x.Id])], buckets, currency)).ToList();
                times.Add(clock.Elapsed.TotalMilliseconds);
                if (groups.Count != 10)
                {
                    throw new InvalidOperationException("expected 10 groups");
                }
            }
            times.Sort();
            Console.WriteLine($"organization month by tag, {all.Count} devices, {name}: median {times[times.Count / 2]:N0} ms, min {times[0]:N0} ms, max {times[^1]:N0} ms");
        }
        // Where the month's time goes: the database's sums alone (as statistics without pricing ask for them:
        // one query, the day boundaries) and the tariff lookup alone; the rest of the totals above is C#.
        var monthBuckets = LocalCalendar.Buckets(month, month.AddDays(30), EnergyInterval.Day, Zurich);
        var boundaries = monthBuckets.Select(b => b.Start).Append(monthBuckets[^1].End).ToList();
        var allIds = all.Select(x => x.Id).ToList();
        var pricing = new TariffPricing(store);
        var (sql, lookup) = (new List<double>(), new List<double>());
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            var sums = await store.SumEnergySegmentsAsync(organizationId, allIds, boundaries);
            sql.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            await pricing.TimelinesAsync(organizationId, all, Zurich, monthBuckets, CancellationToken.None);
            lookup.Add(clock.Elapsed.TotalMilliseconds);
            if (sums.Count == 0)
            {
                throw new InvalidOperationException("expected sums");
            }
        }
        sql.Sort();
        lookup.Sort();
        Console.WriteLine($"organization month, SumEnergySegmentsAsync alone: median {sql[2]:N0} ms (min {sql[0]:N0}); tariff timelines alone: median {lookup[2]:N0} ms (min {lookup[0]:N0}); " +
            $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        return 0;
    }

    private static async Task Flush(ISmartApiStore store, List<EnergySlotTotals> slots)
    {
        var batch = slots.ToList();
        slots.Clear();
        await store.WriteAsync(async tx =>
        {
            await tx.AddEnergySlotsAsync(batch);
            return true;
        });
    }

    /// <summary>
    /// A realistic tariff: off-peak <paramref name="offPeak"/>, peak (Monday to Friday 07:00-20:00)
    /// <paramref name="peak"/> and a day fee of 0.50 until 2025-06-15, then 10 % dearer with a day fee of 0.55.
    /// </summary>
    private static async Task AddTariffAsync(ISmartApiStore store, string organizationId, IdGenerator ids, string name, double offPeak, double peak, string target)
    {
        string[] weekdays = ["mon", "tue", "wed", "thu", "fri"];
        var definition = new TariffDefinition(
        [
            new TariffPeriod("2024-01-01", "2025-06-15", offPeak, [new TariffBand("peak", weekdays, "07:00", "20:00", peak)], new TariffFixedFees(0.50)),
            new TariffPeriod("2025-06-15", null, offPeak * 1.1, [new TariffBand("peak", weekdays, "07:00", "20:00", peak * 1.1)], new TariffFixedFees(0.55)),
        ]);
        var now = DateTimeOffset.UtcNow;
        await store.WriteAsync(async tx =>
        {
            await tx.InsertTariffAsync(new Tariff(ids.New("trf"), organizationId, name, "CHF", definition.ToJson(), [target], 1, now, now));
            return true;
        });
    }
}
