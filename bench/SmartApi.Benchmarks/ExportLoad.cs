using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace SmartApi.Benchmarks;

/// <summary>
/// <c>GET /v1/exports/measurements</c> against a server in a child process (<c>soak-server</c>) on SQLite: the rows/s of
/// one device-year of 1-minute samples as CSV (and Parquet), then the server's working set, sampled every 50 ms,
/// during one export of <c>--big-rows</c> rows over 20 devices. Rows are generated straight into the database file.
/// </summary>
internal static class ExportLoad
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = Option(args, "--rows", 525_600);
        var bigRows = Option(args, "--big-rows", 10_000_000);
        var runs = Option(args, "--runs", 3);
        const int bigDevices = 20;
        Console.WriteLine($"export: {rows:N0} rows for one device ({runs} runs), then {bigRows:N0} rows over {bigDevices} devices; {Environment.ProcessorCount} cores");
        await using var server = await Soak.ServerProcess.StartAsync();
        using var api = new HttpClient { BaseAddress = server.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Soak.AdminKey);
        var year = await CreateDeviceAsync(api, "year");
        var big = new List<string>();
        for (var i = 0; i < bigDevices; i++)
        {
            big.Add(await CreateDeviceAsync(api, "big"));
        }

        var database = Path.Combine(server.Directory, "smartapi.db");
        var clock = Stopwatch.StartNew();
        Generate(database, [year], rows);
        Console.WriteLine($"generated {rows:N0} rows in {clock.Elapsed.TotalSeconds:N1} s");
        var to = Start.AddMinutes(Math.Max(rows, bigRows / bigDevices) + 1);
        var yearUrl = Url(to, $"deviceId={year}");
        foreach (var format in new[] { "csv", "parquet" })
        {
            var rates = new List<double>();
            var perCpu = new List<double>();
            for (var run = 0; run <= runs; run++)
            {
                var cpu = server.Cpu();
                var (bytes, elapsed) = await ExportAsync(api, yearUrl + "&format=" + format, null);
                // On a shared machine wall time measures the neighbours too; the server's own CPU time does not.
                var serverCpu = server.Cpu() - cpu;
                if (run > 0)
                {
                    rates.Add(rows / elapsed.TotalSeconds);
                    perCpu.Add(rows / serverCpu.TotalSeconds);
                }
                Console.WriteLine($"{format} {(run == 0 ? "warm-up" : "run " + run)}: {rows / elapsed.TotalSeconds:N0} rows/s wall, " +
                    $"{rows / serverCpu.TotalSeconds:N0} rows per server CPU second ({bytes / 1e6:N1} MB in {elapsed.TotalMilliseconds:N0} ms, server CPU {serverCpu.TotalMilliseconds:N0} ms)");
            }
            rates.Sort();
            perCpu.Sort();
            Console.WriteLine($"{format} median: {rates[rates.Count / 2]:N0} rows/s wall, {perCpu[perCpu.Count / 2]:N0} rows per server CPU second; " +
                $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores");
        }

        clock.Restart();
        Generate(database, big, bigRows / bigDevices);
        Console.WriteLine($"generated {bigRows:N0} rows in {clock.Elapsed.TotalSeconds:N1} s");
        foreach (var format in new[] { "csv", "parquet" })
        {
            var before = server.WorkingSetMb();
            var peak = before;
            var (bytes, elapsed) = await ExportAsync(api, Url(to, "tag=bench:big") + "&format=" + format, () => peak = Math.Max(peak, server.WorkingSetMb()));
            Console.WriteLine($"{format} {bigRows:N0} rows: {bytes / 1e9:N2} GB in {elapsed.TotalSeconds:N1} s ({bigRows / elapsed.TotalSeconds:N0} rows/s); " +
                $"server working set {before:N0} MB before, peak {peak:N0} MB during");
        }
        return 0;
    }

    private static string Url(DateTimeOffset to, string selection) =>
        $"/v1/exports/measurements?from={Start:yyyy-MM-ddTHH:mm:ssZ}&to={to.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}&timeZone=Europe/Zurich&{selection}";

    /// <summary>Reads the whole body and throws it away; <paramref name="sample"/> runs every 50 ms meanwhile.</summary>
    private static async Task<(long Bytes, TimeSpan Elapsed)> ExportAsync(HttpClient api, string url, Action? sample)
    {
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (sample is not null && !stop.IsCancellationRequested)
            {
                sample();
                await Task.Delay(50, CancellationToken.None);
            }
        });
        var clock = Stopwatch.StartNew();
        using var response = await api.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[1 << 20];
        long bytes = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            bytes += read;
        }
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        await sampler;
        return (bytes, elapsed);
    }

    private static async Task<string> CreateDeviceAsync(HttpClient api, string tag)
    {
        var response = await api.PostAsJsonAsync("/v1/devices", new Dictionary<string, object>
        {
            ["serial"] = "BENCH-" + Guid.NewGuid().ToString("N")[..12],
            ["name"] = "export bench",
            ["tags"] = new Dictionary<string, string> { ["bench"] = tag },
        });
        response.EnsureSuccessStatusCode();
        using var device = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return device.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>1-minute samples from <see cref="Start"/>, written with one prepared insert in transactions of 100,000 rows.</summary>
    internal static void Generate(string database, IReadOnlyList<string> devices, int rowsPerDevice)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False;Default Timeout=300");
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA busy_timeout = 300000";
            pragma.ExecuteNonQuery();
        }
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO measurements (device_id, ts, power_w, voltage_v, current_a, temperature_c, total_wh, delta_wh) " +
            "VALUES ($d, $ts, $p, $v, $c, $t, $total, $delta)";
        var parameters = new[] { "$d", "$ts", "$p", "$v", "$c", "$t", "$total", "$delta" }.Select(n =>
        {
            var parameter = insert.CreateParameter();
            parameter.ParameterName = n;
            insert.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        var start = Start.ToUnixTimeMilliseconds();
        foreach (var device in devices)
        {
            SqliteTransaction? transaction = null;
            foreach (var (i, sample) in Samples(rowsPerDevice))
            {
                if (i % 100_000 == 0)
                {
                    transaction?.Commit();
                    transaction?.Dispose();
                    transaction = connection.BeginTransaction();
                    insert.Transaction = transaction;
                }
                parameters[0].Value = device;
                parameters[1].Value = start + i * 60_000L;
                for (var c = 0; c < sample.Length; c++)
                {
                    parameters[c + 2].Value = sample[c];
                }
                insert.ExecuteNonQuery();
            }
            transaction?.Commit();
            transaction?.Dispose();
        }
    }

    /// <summary>
    /// A fridge-like cycle with realistic decimals, so number formatting costs what it would: per minute <c>i</c>,
    /// power, voltage, current, temperature, the energy total and the step (one array, reused).
    /// </summary>
    internal static IEnumerable<(int Index, double[] Values)> Samples(int rows)
    {
        var total = 0.0;
        var values = new double[6];
        for (var i = 0; i < rows; i++)
        {
            var power = 80.0 + (i % 37) * 1.37;
            var delta = power / 60.0;
            total += delta;
            values[0] = Math.Round(power, 2);
            values[1] = Math.Round(229.5 + (i % 11) * 0.1, 1);
            values[2] = Math.Round(power / 230.0, 3);
            values[3] = Math.Round(31.0 + (i % 7) * 0.5, 1);
            values[4] = Math.Round(total, 3);
            values[5] = Math.Round(delta, 4);
            yield return (i, values);
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
