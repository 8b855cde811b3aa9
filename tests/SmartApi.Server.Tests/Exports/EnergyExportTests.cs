using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Parquet;
using SmartApi.Contracts;
using SmartApi.Server.Exports;
using SmartApi.Server.Measurements;
using SmartApi.Server.Tests.Energy;

namespace SmartApi.Server.Tests.Exports;

/// <summary><c>GET /v1/exports/energy</c> over HTTP, with samples ingested by the real ingestor and cost from a real tariff.</summary>
public sealed class EnergyExportTests(AppFixture fixture) : ServerTest(fixture)
{
    private const string Header = "device_id,serial,start_utc,start_local,end_utc,energy_wh,avg_power_w,peak_power_w,on_hours,samples,coverage,complete,cost,currency";
    // 29 March 2026 in Zurich: a 23-hour day (02:00 local does not exist).
    private static readonly DateTimeOffset SpringDay = new(2026, 3, 28, 23, 0, 0, TimeSpan.Zero);
    private static readonly string SpringRange =
        $"from={Uri.EscapeDataString(SpringDay.ToString("O"))}&to={Uri.EscapeDataString(SpringDay.AddHours(23).ToString("O"))}&timeZone=Europe/Zurich";

    private TelemetryIngestor Ingestor => App.Services.GetRequiredService<TelemetryIngestor>();

    /// <summary>A sample a minute at <paramref name="watts"/>, the counter rising accordingly, over the range and an hour either side.</summary>
    private Task IngestAsync(string deviceId, DateTimeOffset from, DateTimeOffset to, double watts)
    {
        var counter = 1000.0;
        var samples = new List<TelemetrySample>();
        for (var ts = from.AddHours(-1); ts < to.AddHours(1); ts = ts.AddMinutes(1))
        {
            samples.Add(new TelemetrySample(ts, watts, EnergyWh: counter));
            counter += watts / 60;
        }
        return EnergyApiTests.IngestAllAsync(Ingestor, deviceId, samples);
    }

    [Fact]
    public async Task Csv_rows_are_the_statistics_of_v1_energy_per_device_and_local_hour_with_cost_from_the_tariff()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write", "tariffs:write");
        var tariff = await client.PostJsonAsync("/v1/tariffs",
            """{"name":"Flat","currency":"CHF","periods":[{"from":"2026-01-01","pricePerKwh":0.25}],"appliesTo":{"organization":true}}""");
        Assert.Equal(HttpStatusCode.Created, tariff.StatusCode);
        var a = await SmartApiApplication.CreateDeviceAsync(client, serial: "DT31-EN-A");
        var b = await SmartApiApplication.CreateDeviceAsync(client, serial: "DT31-EN-B");
        await IngestAsync(a.Id, SpringDay, SpringDay.AddHours(23), 60);
        await IngestAsync(b.Id, SpringDay.AddHours(5), SpringDay.AddHours(6), 120);

        var response = await client.GetAsync($"/v1/exports/energy?{SpringRange}&interval=hour&deviceId={b.Id}&deviceId={a.Id}", Ct);
        var statistics = await (await client.GetAsync($"/v1/energy?{SpringRange}&interval=hour&deviceId={a.Id}&deviceId={b.Id}", Ct))
            .ReadAsync(SmartApiJsonContext.Default.OrganizationEnergyResponse);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("energy-hour-", response.Content.Headers.ContentDisposition!.FileName, StringComparison.Ordinal);
        var rows = CsvText.Rows(await response.Content.ReadAsStringAsync(Ct), Header);
        Assert.Equal(2 * 23, rows.Count);
        var expected = statistics.Data.OrderBy(g => g.Key, StringComparer.Ordinal).SelectMany(g => g.Buckets.Select(x => (Device: g.Key!, Bucket: x))).ToList();
        Assert.Equal(expected.Select(e => e.Device), rows.Select(r => r[0]));
        Assert.Equal(expected.Select(e => e.Device == a.Id ? "DT31-EN-A" : "DT31-EN-B"), rows.Select(r => r[1]));
        foreach (var (row, (_, bucket)) in rows.Zip(expected))
        {
            Assert.Equal(bucket.Start, DateTimeOffset.Parse(row[2], CultureInfo.InvariantCulture));
            Assert.Equal(bucket.LocalStart, row[3][..19] + row[3][23..]); // the export has milliseconds
            Assert.Equal(bucket.End, DateTimeOffset.Parse(row[4], CultureInfo.InvariantCulture));
            Assert.Equal(bucket.EnergyWh, Number(row[5]));
            Assert.Equal(bucket.AvgPowerW, NullableNumber(row[6]));
            Assert.Equal(bucket.PeakPowerW, NullableNumber(row[7]));
            Assert.Equal(bucket.OnHours, Number(row[8]));
            Assert.Equal(bucket.Samples.ToString(CultureInfo.InvariantCulture), row[9]);
            Assert.Equal(bucket.Coverage, Number(row[10]));
            Assert.Equal(bucket.Complete ? "true" : "false", row[11]);
            Assert.Equal(bucket.Cost, NullableNumber(row[12]));
            Assert.Equal(bucket.Cost is null ? "" : "CHF", row[13]);
        }
        // The skipped local hour: 01:00+01:00 is followed by 03:00+02:00; 60 Wh an hour at 0.25 CHF/kWh is 0.015 CHF.
        var first = rows.Where(r => r[0] == a.Id).ToList();
        Assert.Equal(["2026-03-29T01:00:00.000+01:00", "2026-03-29T03:00:00.000+02:00"], first.Skip(1).Take(2).Select(r => r[3]));
        Assert.All(first, r => Assert.Equal((60.0, 0.015, "true"), (Math.Round(Number(r[5]), 9), Math.Round(Number(r[12]), 9), r[11])));
    }

    [Fact]
    public async Task Parquet_reads_back_with_typed_columns()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var device = await SmartApiApplication.CreateDeviceAsync(client, serial: "DT31-EN-PQ");
        await IngestAsync(device.Id, SpringDay, SpringDay.AddHours(23), 60);

        var response = await client.GetAsync($"/v1/exports/energy?{SpringRange}&interval=hour&deviceId={device.Id}&format=parquet", Ct);

        Assert.Equal("application/vnd.apache.parquet", response.Content.Headers.ContentType!.MediaType);
        using var file = new MemoryStream(await response.Content.ReadAsByteArrayAsync(Ct));
        await using var reader = await ParquetReader.CreateAsync(file, cancellationToken: Ct);
        var fields = reader.Schema.DataFields;
        Assert.Equal(Header.Split(','), fields.Select(f => f.Name));
        using var group = reader.OpenRowGroupReader(0);
        Assert.Equal(23, group.RowCount);
        var utc = await MeasurementExportTests.ReadStructAsync<DateTime>(group, fields[2], 23);
        var local = await MeasurementExportTests.ReadStructAsync<DateTime>(group, fields[3], 23);
        var energy = await MeasurementExportTests.ReadStructAsync<double>(group, fields[5], 23);
        var samples = await MeasurementExportTests.ReadStructAsync<long>(group, fields[9], 23);
        var complete = await MeasurementExportTests.ReadStructAsync<bool>(group, fields[11], 23);
        var cost = await MeasurementExportTests.ReadNullableAsync(group, fields[12], 23);
        Assert.Equal(Enumerable.Range(0, 23).Select(h => SpringDay.UtcDateTime.AddHours(h)), utc);
        // The wall clock: +1 h before the change at 01:00 UTC, +2 h after it.
        Assert.Equal(utc.Select(t => t.AddHours(t < new DateTime(2026, 3, 29, 1, 0, 0) ? 1 : 2)), local);
        Assert.All(energy, e => Assert.Equal(60.0, e, 9));
        Assert.All(samples, s => Assert.Equal(60, s));
        Assert.All(complete, Assert.True);
        Assert.All(cost, c => Assert.Null(c));
    }

    [Fact]
    public async Task Resuming_after_any_row_and_joining_the_parts_equals_one_full_export()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var a = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["site"] = "resume" });
        var b = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["site"] = "resume" });
        await IngestAsync(a.Id, SpringDay, SpringDay.AddHours(6), 60);
        var url = $"/v1/exports/energy?{SpringRange}&interval=hour&tag=site:resume";
        var full = CsvText.Rows(await client.GetStringAsync(url, Ct), Header);
        Assert.Equal(46, full.Count);

        for (var cut = 0; cut < full.Count; cut += 5)
        {
            var cursor = $"{full[cut][0]}:{DateTimeOffset.Parse(full[cut][2], CultureInfo.InvariantCulture).ToUnixTimeMilliseconds()}";
            var rest = CsvText.Rows(await client.GetStringAsync(url + "&after=" + Uri.EscapeDataString(cursor), Ct), Header);
            Assert.Equal(full, [.. full.Take(cut + 1), .. rest]);
        }
        Assert.Contains(full, r => r[0] == b.Id);
    }

    [Fact]
    public async Task Many_devices_over_a_year_come_in_id_order_across_chunks_and_only_from_the_callers_organization()
    {
        var (_, client) = await App.CreateTenantAsync("devices:read", "devices:write");
        var (_, other) = await App.CreateTenantAsync("devices:read", "devices:write");
        var mine = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            mine.Add((await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["room"] = "lab" })).Id);
        }
        var foreign = await SmartApiApplication.CreateDeviceAsync(other, tags: new() { ["room"] = "lab" });
        await IngestAsync(foreign.Id, SpringDay, SpringDay.AddHours(2), 60);
        var year = "from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z&timeZone=UTC";
        Assert.True(EnergyExporter.ChunkSize(TimeSpan.FromDays(365)) < mine.Count, "the year needs more than one chunk of devices");

        var rows = CsvText.Rows(await client.GetStringAsync($"/v1/exports/energy?{year}&interval=day&tag=room:lab", Ct), Header);
        var theirs = await client.GetAsync($"/v1/exports/energy?{year}&deviceId={mine[0]}&deviceId={foreign.Id}", Ct);

        Assert.Equal(mine.Order(StringComparer.Ordinal).SelectMany(id => Enumerable.Repeat(id, 365)), rows.Select(r => r[0]));
        Assert.All(rows, r => Assert.Equal("0", r[5]));
        await theirs.ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("to=2026-11-20T11:00:00Z&deviceId=dev_00000000000000000000000000", "from")]
    [InlineData("from=2026-11-20T10:00:00Z&deviceId=dev_00000000000000000000000000", "to")]
    [InlineData("from=2026-11-20T12:00:00Z&to=2026-11-20T11:00:00Z&deviceId=dev_00000000000000000000000000", "from")]
    [InlineData("from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z", "deviceId")]
    [InlineData("from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z&deviceId=dev_00000000000000000000000000&tag=room:x", "tag")]
    [InlineData("from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z&tag=room:x&interval=minute", "interval")]
    [InlineData("from=2000-01-01T00:00:00Z&to=2026-11-20T11:00:00Z&tag=room:x&interval=hour", "from")]
    [InlineData("from=2020-01-01T00:00:00Z&to=2026-11-20T11:00:00Z&tag=room:x&interval=hour", "interval")]
    [InlineData("from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z&tag=room:x&format=xlsx", "format")]
    [InlineData("from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z&tag=room:x&timeZone=Mars/Base", "timeZone")]
    [InlineData("from=2026-11-20T10:00:00Z&to=2026-11-20T11:00:00Z&tag=room:x&after=dev_00000000000000000000000000", "after")]
    public async Task Bad_input_answers_400_with_the_field_in_error(string query, string field)
    {
        var client = App.CreateClient(await App.CreateKeyAsync(["devices:read"]));

        await MeasurementExportTests.AssertValidationFailedAsync(await client.GetAsync("/v1/exports/energy?" + query, Ct), field);
    }

    [Fact]
    public async Task Export_needs_devices_read() =>
        Assert.Equal(HttpStatusCode.Forbidden, (await App.CreateClient(await App.CreateKeyAsync(["events:read"]))
            .GetAsync($"/v1/exports/energy?{SpringRange}&tag=room", Ct)).StatusCode);

    private static double Number(string cell) => double.Parse(cell, CultureInfo.InvariantCulture);

    private static double? NullableNumber(string cell) => cell.Length == 0 ? null : Number(cell);
}
