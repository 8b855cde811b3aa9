using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using SmartApi.Server.Energy;
using SmartApi.Server.Measurements;
using SmartApi.Storage;

namespace SmartApi.Server.Tests.Energy;

/// <summary>
/// For random counter streams with resets, gaps and late (out-of-order) samples, ingested by the real
/// ingestor into SQLite: a range's local-day buckets, its hourly buckets and the energy between its
/// first and last counter readings agree, in zones with DST shifts of an hour and half an hour and
/// with a 5:45 offset.
/// </summary>
public sealed class EnergyPropertyTests(AppFixture fixture) : ServerTest(fixture)
{
    // Starts near the 2026 transitions of the zones below, so streams cross them.
    private static readonly DateTimeOffset[] Starts =
    [
        new(2026, 3, 7, 12, 0, 0, TimeSpan.Zero),   // New York springs forward on 8 March
        new(2026, 3, 28, 12, 0, 0, TimeSpan.Zero),  // Zurich on 29 March
        new(2026, 4, 4, 6, 0, 0, TimeSpan.Zero),    // Lord Howe falls back half an hour on 5 April
        new(2026, 10, 3, 6, 0, 0, TimeSpan.Zero),   // and springs forward on 4 October
        new(2026, 10, 24, 12, 0, 0, TimeSpan.Zero), // Zurich falls back on 25 October
        new(2026, 10, 31, 12, 0, 0, TimeSpan.Zero), // New York on 1 November
        new(2026, 6, 15, 0, 0, 0, TimeSpan.Zero),   // Kathmandu has no DST: any day
    ];

    /// <summary>One reading: seconds after the previous one (negative: a late sample), and a counter step or reset.</summary>
    private readonly record struct Reading(int Seconds, bool Reset, double Step, double Power);

    private static readonly Gen<Reading> AReading = Gen.Frequency(
        (12, Gen.Select(Gen.Int[1, 600], Gen.Double[0, 50], Gen.Double[0, 3000], (s, w, p) => new Reading(s, false, w, p))),
        (2, Gen.Select(Gen.Int[600, 6 * 3600], Gen.Double[0, 400], (s, w) => new Reading(s, false, w, 0))),   // a gap (offline)
        (1, Gen.Select(Gen.Int[1, 900], Gen.Double[0, 20], (s, w) => new Reading(s, true, w, 10))),            // a reset: the counter restarts
        (1, Gen.Int[-1800, 0].Select(s => new Reading(s, false, 0, 5))));                                              // late: before the latest

    [Theory]
    [InlineData("Europe/Zurich")]
    [InlineData("America/New_York")]
    [InlineData("Australia/Lord_Howe")]
    [InlineData("Asia/Kathmandu")]
    public async Task Day_buckets_hour_buckets_and_the_counter_agree(string zoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var ingestor = App.Services.GetRequiredService<TelemetryIngestor>();
        var statistics = App.Services.GetRequiredService<EnergyStatistics>();
        var store = App.Services.GetRequiredService<ISmartApiStore>();
        var (organizationId, client) = await App.CreateTenantAsync("devices:read", "devices:write");

        await Gen.Select(Gen.Int[0, Starts.Length - 1], Gen.Int[0, 48 * 3600], Gen.Double[0, 1e6], AReading.Array[2, 80]).SampleAsync(async (startIndex, offset, first, readings) =>
        {
            var device = await store.GetDeviceAsync(organizationId, (await SmartApiApplication.CreateDeviceAsync(client)).Id, Ct);
            var ts = Starts[startIndex].AddSeconds(offset);
            var counter = first;
            var samples = new List<TelemetrySample> { new(ts, 100, EnergyWh: counter) };
            foreach (var reading in readings)
            {
                ts = ts.AddSeconds(reading.Seconds);
                counter = reading.Reset ? reading.Step : counter + reading.Step;
                samples.Add(new TelemetrySample(ts, reading.Power, EnergyWh: counter));
            }
            await EnergyApiTests.IngestAllAsync(ingestor, device!.Id, samples);

            // The model: the ingestor keeps the samples later than every one before them; between two
            // kept readings the energy is their difference, or the new reading after a reset.
            var kept = new List<TelemetrySample>();
            foreach (var sample in samples)
            {
                if (kept.Count == 0 || sample.Ts > kept[^1].Ts)
                {
                    kept.Add(sample);
                }
            }
            var expected = kept.Zip(kept.Skip(1), (a, b) => b.EnergyWh >= a.EnergyWh ? b.EnergyWh!.Value - a.EnergyWh!.Value : b.EnergyWh!.Value).Sum();

            var (from, to) = (kept[0].Ts, kept[^1].Ts.AddSeconds(1));
            var days = LocalCalendar.Buckets(from, to, EnergyInterval.Day, zone);
            var hours = LocalCalendar.Buckets(days[0].Start, days[^1].End, EnergyInterval.Hour, zone);
            var now = DateTimeOffset.UtcNow;
            var byDay = (await statistics.ComputeAsync(organizationId, [device], days, zone, now, Ct))[0].Buckets;
            var byHour = (await statistics.ComputeAsync(organizationId, [device], hours, zone, now, Ct))[0].Buckets;

            var tolerance = 1e-9 * Math.Max(1, expected);
            Assert.Equal(expected, byDay.Sum(b => b.EnergyWh), tolerance);
            Assert.Equal(expected, byHour.Sum(b => b.EnergyWh), tolerance);
            Assert.Equal(kept.Count, byDay.Sum(b => b.Samples));
            Assert.Equal(kept.Count, byHour.Sum(b => b.Samples));
            Assert.Equal(byDay.Sum(b => b.OnHours), byHour.Sum(b => b.OnHours), 1e-9);
            // Each day is the sum of the hours inside it, and those hours tile it.
            foreach (var day in byDay)
            {
                var inside = byHour.Where(h => h.Start >= day.Start && h.End <= day.End).ToList();
                Assert.Equal(day.EnergyWh, inside.Sum(h => h.EnergyWh), tolerance);
                Assert.Equal(day.End - day.Start, inside.Aggregate(TimeSpan.Zero, (total, h) => total + (h.End - h.Start)));
            }
        }, iter: 40, threads: 1);
    }
}
