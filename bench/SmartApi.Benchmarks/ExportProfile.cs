using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using SmartApi.Server.Exports;
using SmartApi.Storage;
using SmartApi.Storage.Postgres;

namespace SmartApi.Benchmarks;

/// <summary>
/// <c>export-profile</c>: where a measurement export's time goes, in this process, without HTTP. For one device-year
/// of 1-minute samples it times, each the median of <c>--runs</c>: the bare read of the rows with a data reader (the
/// database's floor), the store's export read (<see cref="IMeasurementStore.ExportMeasurementsAsync"/>), and the
/// store read written as CSV and as Parquet into a pipe that discards. SQLite always; PostgreSQL too when
/// SMARTAPI_TEST_POSTGRES (or <c>--postgres</c>) names a cluster (rows copied into a fresh schema, dropped after).
/// </summary>
internal static class ExportProfile
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const string Columns = "ts, power_w, voltage_v, current_a, temperature_c, total_wh, delta_wh";

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = Option(args, "--rows", 525_600);
        var runs = Option(args, "--runs", 3);
        var index = Array.IndexOf(args, "--postgres");
        var postgres = index >= 0 ? args[index + 1] : Environment.GetEnvironmentVariable("SMARTAPI_TEST_POSTGRES");
        Console.WriteLine($"export-profile: {rows:N0} rows of one device, median of {runs} runs after a warm-up; {Environment.ProcessorCount} cores");

        await using (var bench = await BenchStore.CreateAsync(512))
        {
            var device = (await bench.CreateDevicesAsync(1))[0];
            ExportLoad.Generate(bench.DatabasePath, [device], rows);
            var connectionString = $"Data Source={bench.DatabasePath};Mode=ReadOnly";
            await ProfileAsync("sqlite", bench.Store, bench.OrganizationId, device, rows, runs, () => SqliteReadAsync(connectionString, device),
                ("bare data reader, mmap_size 1 GiB", () => SqliteReadAsync(connectionString + ";Pooling=False", device, mmap: true)),
                ("bare data reader, two halves at once", () => SqliteHalvesAsync(connectionString, device, rows)),
                ("bare data reader, synchronous Read()", () => SqliteReadAsync(connectionString, device, synchronous: true)));
        }
        if (!string.IsNullOrEmpty(postgres))
        {
            await ProfilePostgresAsync(postgres, rows, runs);
        }
        return 0;
    }

    private static async Task ProfileAsync(string name, ISmartApiStore store, string organizationId, string device, int rows, int runs, Func<Task<double>> raw,
        params (string Step, Func<Task<double>> Read)[] rawVariants)
    {
        var export = new MeasurementExport([device], Start, Start.AddMinutes(rows + 1));
        var serials = new Dictionary<string, string> { [device] = "DT31-000000" };
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Zurich");
        var steps = new (string Step, Func<Task<long>> Run)[]
        {
            ("bare data reader, every column", async () => { await raw(); return rows; }),
            ("store export read (rows only)", async () =>
            {
                long count = 0;
                double sum = 0;
                await foreach (var row in store.ExportMeasurementsAsync(organizationId, export))
                {
                    sum += row.PowerW + row.TotalWh;
                    count++;
                }
                return sum > 0 ? count : -1;
            }),
            ("store read + CSV into a discarding pipe", async () =>
            {
                var pipe = PipeWriter.Create(Stream.Null);
                await using var table = new CsvTableWriter(MeasurementExporter.Columns, pipe);
                return await MeasurementExporter.WriteAsync(store, table, organizationId, serials, export, zone, CancellationToken.None);
            }),
            ("store read + Parquet into a discarding stream", async () =>
            {
                await using var table = new ParquetTableWriter(MeasurementExporter.Columns, Stream.Null);
                return await MeasurementExporter.WriteAsync(store, table, organizationId, serials, export, zone, CancellationToken.None);
            }),
        };
        steps = [steps[0], .. rawVariants.Select(v => (v.Step, (Func<Task<long>>)(async () => { await v.Read(); return rows; }))), .. steps[1..]];
        // Round-robin: every step's run i happens within the same stretch of the (shared, noisy) machine's load.
        var rates = steps.Select(_ => new List<double>()).ToArray();
        for (var i = 0; i <= runs; i++)
        {
            for (var s = 0; s < steps.Length; s++)
            {
                var clock = Stopwatch.StartNew();
                var count = await steps[s].Run();
                var elapsed = clock.Elapsed.TotalSeconds;
                if (count != rows)
                {
                    throw new InvalidOperationException($"{steps[s].Step}: {count} rows, expected {rows}");
                }
                if (i > 0)
                {
                    rates[s].Add(rows / elapsed);
                }
            }
        }
        for (var s = 0; s < steps.Length; s++)
        {
            rates[s].Sort();
            Console.WriteLine($"{name,-8} {steps[s].Step,-46} {rates[s][rates[s].Count / 2],12:N0} rows/s (runs {string.Join(", ", rates[s].Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))}); " +
                $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        }
    }

    /// <summary>Every column of the device's rows in ts order, read by ordinal on one statement: what no export can beat.</summary>
    private static async Task<double> SqliteReadAsync(string connectionString, string device, bool mmap = false, bool synchronous = false,
        long from = long.MinValue, long to = long.MaxValue)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        if (mmap)
        {
            // On its own unpooled connection: the setting would otherwise stay on a pooled one the plain read reuses.
            command.CommandText = "PRAGMA mmap_size = 1073741824";
            await command.ExecuteNonQueryAsync();
        }
        command.CommandText = $"SELECT {Columns} FROM measurements WHERE device_id = @device AND ts >= @from AND ts < @to ORDER BY ts";
        command.Parameters.AddWithValue("@device", device);
        command.Parameters.AddWithValue("@from", from);
        command.Parameters.AddWithValue("@to", to);
        return synchronous ? Sum(command.ExecuteReader()) : await SumAsync(await command.ExecuteReaderAsync());
    }

    // What a parallel export would do on two cores: each half of the range on its own read connection, at once.
    private static async Task<double> SqliteHalvesAsync(string connectionString, string device, int rows)
    {
        var middle = Start.AddMinutes(rows / 2).ToUnixTimeMilliseconds();
        var halves = await Task.WhenAll(
            Task.Run(() => SqliteReadAsync(connectionString, device, to: middle)),
            Task.Run(() => SqliteReadAsync(connectionString, device, from: middle)));
        return halves[0] + halves[1];
    }

    private static double Sum(System.Data.Common.DbDataReader reader)
    {
        using (reader)
        {
            double sum = 0;
            while (reader.Read())
            {
                sum += reader.GetInt64(0) + reader.GetDouble(1) + reader.GetDouble(5) + reader.GetDouble(6);
                for (var i = 2; i <= 4; i++)
                {
                    sum += reader.IsDBNull(i) ? 0 : reader.GetDouble(i);
                }
            }
            return sum;
        }
    }

    private static async Task<double> SumAsync(System.Data.Common.DbDataReader reader)
    {
        await using (reader)
        {
            double sum = 0;
            while (await reader.ReadAsync())
            {
                sum += reader.GetInt64(0) + reader.GetDouble(1) + reader.GetDouble(5) + reader.GetDouble(6);
                for (var i = 2; i <= 4; i++)
                {
                    sum += reader.IsDBNull(i) ? 0 : reader.GetDouble(i);
                }
            }
            return sum;
        }
    }

    private static async Task ProfilePostgresAsync(string postgres, int rows, int runs)
    {
        var schema = "bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(postgres))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(postgres) { SearchPath = schema }.ConnectionString;
        try
        {
            await using var store = new PostgresSmartApiStore(new PostgresStorageOptions { ConnectionString = connectionString }, TimeProvider.System);
            await store.MigrateAsync();
            var ids = new IdGenerator(TimeProvider.System);
            var organization = new Organization(ids.New("org"), "bench", DateTimeOffset.UtcNow);
            var device = new Device(ids.New("dev"), organization.Id, "DT31-000000", "bench", "DT31", new Dictionary<string, string>(),
                "last", [1], false, null, "unknown", null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
            await store.WriteAsync(async tx =>
            {
                await tx.InsertOrganizationAsync(organization);
                await tx.InsertDeviceAsync(device);
                return true;
            });
            await CopyAsync(connectionString, device.Id, rows);
            await ProfileAsync("postgres", store, organization.Id, device.Id, rows, runs, async () =>
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"SELECT {Columns} FROM measurements WHERE device_id = @device ORDER BY ts", connection);
                command.Parameters.AddWithValue("device", device.Id);
                return await SumAsync(await command.ExecuteReaderAsync());
            });
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(postgres);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The same samples as <see cref="ExportLoad.Generate"/>, by binary COPY (older than any partition: they land in the default one).</summary>
    private static async Task CopyAsync(string connectionString, string device, int rows)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var copy = await connection.BeginBinaryImportAsync($"COPY measurements (device_id, {Columns}) FROM STDIN (FORMAT BINARY)"))
        {
            var start = Start.ToUnixTimeMilliseconds();
            foreach (var (i, sample) in ExportLoad.Samples(rows))
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(device, NpgsqlDbType.Text);
                await copy.WriteAsync(start + i * 60_000L, NpgsqlDbType.Bigint);
                foreach (var value in sample)
                {
                    await copy.WriteAsync(value, NpgsqlDbType.Double);
                }
            }
            await copy.CompleteAsync();
        }
        await using var analyze = new NpgsqlCommand("ANALYZE measurements", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
