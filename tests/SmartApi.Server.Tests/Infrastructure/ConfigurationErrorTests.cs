namespace SmartApi.Server.Tests.Infrastructure;

/// <summary>
/// Every validated setting, set wrong, on the real server process: it must stop with exit code 1
/// and exactly one stderr line naming the key (no stack trace, no abort).
/// </summary>
public sealed class ConfigurationErrorTests
{
    private const string Postgres = "Host=127.0.0.1;Database=smartapi;Username=smartapi";
    private const string Key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    // (settings as environment variables, the key the one line must name). One row per validated option.
    private static readonly (string Variable, string Value, string Key)[] Cases =
    [
        ("SmartApi__DataDirectory", " ", "SmartApi:DataDirectory"),
        ("SmartApi__Storage__Provider", "oracle", "SmartApi:Storage:Provider"),
        ("SmartApi__Storage__ConnectionString", "Flavour=strawberry", "SmartApi:Storage:ConnectionString"),
        ("SmartApi__BootstrapApiKey", "too-short", "SmartApi:BootstrapApiKey"),
        ("SmartApi__Mqtt__Port", "70000", "SmartApi:Mqtt:Port"),
        ("SmartApi__Mqtt__TlsPort", "-1", "SmartApi:Mqtt:TlsPort"),
        ("SmartApi__Mqtt__TlsPort", "8883", "SmartApi:Mqtt:CertificatePath"),
        ("SmartApi__Mqtt__BindAddress", "localhost", "SmartApi:Mqtt:BindAddress"),
        ("SmartApi__Mqtt__OfflineGracePeriod", "02:00:00", "SmartApi:Mqtt:OfflineGracePeriod"),
        ("SmartApi__Mqtt__SharedGroup", "a/b", "SmartApi:Mqtt:SharedGroup"),
        ("SmartApi__Mqtt__ExternalBroker", "http://broker", "SmartApi:Mqtt:ExternalBroker"),
        ("SmartApi__Webhooks__AllowedNetworks__0", "10.0.0.0/99", "SmartApi:Webhooks:AllowedNetworks"),
        ("SmartApi__Webhooks__Timeout", "00:00:00", "SmartApi:Webhooks:Timeout"),
        ("SmartApi__Webhooks__RetrySchedule__0", "-00:00:05", "SmartApi:Webhooks:RetrySchedule"),
        ("SmartApi__Webhooks__EncryptionKey", "c2hvcnQ=", "SmartApi:Webhooks:EncryptionKey"),
        ("SmartApi__Webhooks__SecretRotationOverlap", "31.00:00:00", "SmartApi:Webhooks:SecretRotationOverlap"),
        ("SmartApi__Webhooks__DisableAfter", "00:00:00", "SmartApi:Webhooks:DisableAfter"),
        ("SmartApi__Webhooks__MaxConcurrencyPerHost", "0", "SmartApi:Webhooks:MaxConcurrencyPerHost"),
        ("SmartApi__Http__MaxRequestBodySize", "10", "SmartApi:Http:MaxRequestBodySize"),
        ("SmartApi__Retention__MaxAge", "00:01:00", "SmartApi:Retention:MaxAge"),
        ("SmartApi__Retention__MeasurementsMaxAge", "01:00:00", "SmartApi:Retention:MeasurementsMaxAge"),
        ("SmartApi__Retention__Interval", "00:00:00", "SmartApi:Retention:Interval"),
        ("SmartApi__Events__StreamHeartbeat", "00:00:00", "SmartApi:Events:StreamHeartbeat"),
        ("SmartApi__Events__StreamPollInterval", "00:00:00", "SmartApi:Events:StreamPollInterval"),
        ("SmartApi__Events__StreamWriteTimeout", "00:00:00", "SmartApi:Events:StreamWriteTimeout"),
        ("SmartApi__Events__MaxStreamsPerOrganization", "0", "SmartApi:Events:MaxStreamsPerOrganization"),
        ("SmartApi__Commands__Ttl", "00:00:00", "SmartApi:Commands:Ttl"),
        ("SmartApi__Limits__RequestsPerSecond", "0", "SmartApi:Limits:RequestsPerSecond"),
        ("SmartApi__Limits__RequestBurst", "0", "SmartApi:Limits:RequestBurst"),
        ("SmartApi__Limits__AnonymousRequestsPerSecond", "0", "SmartApi:Limits:AnonymousRequestsPerSecond"),
        ("SmartApi__Limits__AnonymousRequestBurst", "0", "SmartApi:Limits:AnonymousRequestBurst"),
        ("SmartApi__Limits__MaxDevices", "-1", "SmartApi:Limits:MaxDevices"),
        ("SmartApi__Limits__MaxAutomations", "-1", "SmartApi:Limits:MaxAutomations"),
        ("SmartApi__Limits__MaxWebhooks", "-1", "SmartApi:Limits:MaxWebhooks"),
        ("SmartApi__Energy__ReportPeriod", "week", "SmartApi:Energy:ReportPeriod"),
        ("SmartApi__Budgets__CheckInterval", "00:00:01", "SmartApi:Budgets:CheckInterval"),
        ("SmartApi__Budgets__MaxPerOrganization", "-1", "SmartApi:Budgets:MaxPerOrganization"),
        // Values that cannot be bound at all (ConfigurationBinder), not only out of range.
        ("SmartApi__Mqtt__Port", "abc", "SmartApi:Mqtt:Port"),
        ("SmartApi__Webhooks__Timeout", "ten seconds", "SmartApi:Webhooks:Timeout"),
    ];

    private static readonly (string Variable, string Value, string Key)[] PostgresCases =
    [
        // The issue's case: PostgreSQL without the shared encryption key.
        ("SmartApi__Storage__ConnectionString", Postgres, "SmartApi:Webhooks:EncryptionKey"),
        ("SmartApi__Storage__ConnectionString", "Host=db;Nonsense", "SmartApi:Storage:ConnectionString"),
        ("SmartApi__Storage__ConnectionString", "Database=smartapi", "SmartApi:Storage:ConnectionString"),
        ("SmartApi__Storage__ConnectionString", "Host=db", "SmartApi:Storage:ConnectionString"),
        ("SmartApi__Storage__ConnectionString", "", "SmartApi:Storage:ConnectionString"),
    ];

    /// <summary>
    /// Every row of both tables on its own server process, four at a time (a process start is
    /// 1-2 s; one by one the table would take a minute or more). Reports every failing row.
    /// </summary>
    [Fact]
    public async Task Every_invalid_setting_exits_with_code_1_and_one_line_naming_the_key()
    {
        var rows = Cases.Select(row => (Settings: new Dictionary<string, string> { [row.Variable] = row.Value }, Expected: row.Key))
            .Concat(PostgresCases.Select(row => (Settings: PostgresSettings(row.Variable, row.Value, row.Key), Expected: row.Key)))
            .ToList();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = TestContext.Current.CancellationToken },
            async (row, _) =>
            {
                try
                {
                    await AssertFailsAsync(row.Settings, row.Expected);
                }
                catch (Exception ex)
                {
                    failures.Add($"{string.Join(", ", row.Settings.Select(s => $"{s.Key}={s.Value}"))}: {ex.Message}");
                }
            });
        Assert.True(failures.IsEmpty, string.Join(Environment.NewLine, failures));
    }

    private static Dictionary<string, string> PostgresSettings(string variable, string value, string expectedKey)
    {
        var settings = new Dictionary<string, string> { ["SmartApi__Storage__Provider"] = "postgres", [variable] = value };
        // Present unless the row is about it, so that each row has exactly one failure.
        if (expectedKey != "SmartApi:Webhooks:EncryptionKey")
        {
            settings["SmartApi__Webhooks__EncryptionKey"] = Key;
        }
        return settings;
    }

    private static async Task AssertFailsAsync(Dictionary<string, string> settings, string expectedKey)
    {
        var directory = Directory.CreateTempSubdirectory("smartapi-config-").FullName;
        try
        {
            var (exitCode, stdout, stderr) = await ServerProcess.RunToExitAsync(directory, settings, TimeSpan.FromSeconds(60));

            var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(exitCode == 1, $"exit code {exitCode}; stderr: {stderr}; stdout: {stdout}");
            var line = Assert.Single(lines);
            Assert.StartsWith($"Configuration error: {expectedKey}: ", line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr + stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", stderr + stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
