using System.Text.Json;
using SmartApi.Server.Tests;
using SmartApi.Server.Tests.Webhooks;

namespace SmartApi.Cli.Tests;

/// <summary>Commands run in-process against the real server on loopback.</summary>
public sealed class CommandTests(CliFixture fixture) : CliTest(fixture)
{
    private static string Serial() => "DT31-" + Guid.NewGuid().ToString("N")[..10];

    private static JsonElement Json(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Out).RootElement;
    }

    [Fact]
    public async Task Devices_create_list_get_and_switch()
    {
        var key = await Fixture.TenantKeyAsync("devices:read", "devices:write");
        var created = Json(await Fixture.RunAsync(key, "devices", "create", "--serial", Serial(), "--name", "Coffee machine", "--tag", "room=kitchen", "--json"));
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("kitchen", created.GetProperty("tags").GetProperty("room").GetString());
        Assert.False(string.IsNullOrEmpty(created.GetProperty("credentials").GetProperty("mqttPassword").GetString()));
        await Fixture.RunAsync(key, "devices", "create", "--serial", Serial(), "--name", "Kettle");

        var table = await Fixture.RunAsync(key, "devices", "list");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("Coffee machine", table.Out, StringComparison.Ordinal);
        Assert.Contains("Kettle", table.Out, StringComparison.Ordinal);
        var limited = Json(await Fixture.RunAsync(key, "devices", "list", "--limit", "1", "--json"));
        Assert.Equal(id, Assert.Single(limited.EnumerateArray()).GetProperty("id").GetString());
        var counted = await Fixture.RunAsync(key, "devices", "count", "--tag", "room:kitchen");
        Assert.Equal((0, "1"), (counted.ExitCode, counted.Out.Trim()));
        Assert.Equal(2, Json(await Fixture.RunAsync(key, "devices", "count", "--online", "false", "--json")).GetProperty("count").GetInt64());

        var shown = await Fixture.RunAsync(key, "devices", "get", id);
        Assert.Contains("Coffee machine", shown.Out, StringComparison.Ordinal);
        var rotated = Json(await Fixture.RunAsync(key, "devices", "rotate-credentials", id, "--json"));
        Assert.Equal(created.GetProperty("serial").GetString(), rotated.GetProperty("mqttUsername").GetString());
        Assert.NotEqual(created.GetProperty("credentials").GetProperty("mqttPassword").GetString(), rotated.GetProperty("mqttPassword").GetString());
        Assert.Contains("shown once", (await Fixture.RunAsync(key, "devices", "rotate-credentials", id)).Out, StringComparison.Ordinal);
        var command = Json(await Fixture.RunAsync(key, "devices", "switch", id, "on", "--json"));
        Assert.Equal("pending", command.GetProperty("status").GetString());

        // The device is offline: --wait ends at its timeout with the command unacknowledged, exit 1.
        var waited = await Fixture.RunAsync(key, "devices", "switch", id, "off", "--wait", "--timeout", "0", "--json");
        Assert.Equal(ExitCodes.Failure, waited.ExitCode);
        Assert.Equal("pending", JsonDocument.Parse(waited.Out).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Devices_erase_prints_the_erasure()
    {
        var key = await Fixture.TenantKeyAsync("devices:read", "devices:write");
        var id = Json(await Fixture.RunAsync(key, "devices", "create", "--serial", Serial(), "--name", "Coffee machine", "--json")).GetProperty("id").GetString()!;

        var erased = Json(await Fixture.RunAsync(key, "devices", "erase", id, "--json"));
        var text = await Fixture.RunAsync(key, "devices", "erase", id);

        Assert.StartsWith("era_", erased.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal((id, 1L), (erased.GetProperty("deviceId").GetString(), erased.GetProperty("eventsErased").GetInt64()));
        Assert.Equal(0, text.ExitCode);
        Assert.Contains($"Erased {id}", text.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tariffs_create_from_a_file_list_show_and_delete()
    {
        var key = await Fixture.TenantKeyAsync("tariffs:read", "tariffs:write");
        var file = Path.Combine(Path.GetTempPath(), $"tariff-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            {"name":"Home","currency":"CHF",
             "periods":[{"from":"2026-01-01","pricePerKwh":0.25,
                         "bands":[{"name":"peak","days":["mon","tue","wed","thu","fri"],"from":"07:00","to":"20:00","pricePerKwh":0.32}],
                         "fixedFees":{"perDay":0.40}}],
             "appliesTo":{"organization":true}}
            """, TestContext.Current.CancellationToken);
        try
        {
            var created = Json(await Fixture.RunAsync(key, "tariffs", "create", "--file", file, "--json"));
            var id = created.GetProperty("id").GetString()!;
            Assert.StartsWith("trf_", id, StringComparison.Ordinal);

            var table = await Fixture.RunAsync(key, "tariffs", "list");
            Assert.Contains("Home", table.Out, StringComparison.Ordinal);
            Assert.Contains("organization", table.Out, StringComparison.Ordinal);
            var shown = await Fixture.RunAsync(key, "tariffs", "show", id);
            Assert.Contains("peak mon,tue,wed,thu,fri 07:00-20:00: 0.32/kWh", shown.Out, StringComparison.Ordinal);
            Assert.Contains("0.4/day", shown.Out, StringComparison.Ordinal);

            // The organization is taken now: the server's 409 reaches the user as an error, not a crash.
            var again = await Fixture.RunAsync(key, "tariffs", "create", "--file", file);
            Assert.NotEqual(0, again.ExitCode);
            Assert.Contains(id, again.Error, StringComparison.Ordinal);

            Assert.Equal(0, (await Fixture.RunAsync(key, "tariffs", "delete", id)).ExitCode);
            Assert.Empty(Json(await Fixture.RunAsync(key, "tariffs", "list", "--json")).EnumerateArray());
            await File.WriteAllTextAsync(file, "{", TestContext.Current.CancellationToken);
            Assert.Equal(ExitCodes.Usage, (await Fixture.RunAsync(key, "tariffs", "create", "--file", file)).ExitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Devices_switch_by_tag_prints_each_devices_command_and_status()
    {
        var key = await Fixture.TenantKeyAsync("devices:read", "devices:write");
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add(Json(await Fixture.RunAsync(key, "devices", "create", "--serial", Serial(), "--name", $"Lamp {i}", "--tag", "room=kitchen", "--json"))
                .GetProperty("id").GetString()!);
        }
        var office = Json(await Fixture.RunAsync(key, "devices", "create", "--serial", Serial(), "--name", "Desk", "--tag", "room=office", "--json"))
            .GetProperty("id").GetString()!;

        var table = await Fixture.RunAsync(key, "devices", "switch", "off", "--tag", "room:kitchen");
        var json = Json(await Fixture.RunAsync(key, "devices", "switch", "on", "--device", office, "--device", ids[0], "--json"));
        var none = await Fixture.RunAsync(key, "devices", "switch", "off", "--tag", "room:garage");
        var waited = await Fixture.RunAsync(key, "devices", "switch", "on", "--tag", "room", "--wait", "--timeout", "0");
        var both = await Fixture.RunAsync(key, "devices", "switch", "on", "--tag", "room", "--device", office);
        var extra = await Fixture.RunAsync(key, "devices", "switch", ids[0], "on", "--tag", "room");
        var unknown = await Fixture.RunAsync(key, "devices", "switch", "on", "--device", "dev_01M8BQWSSN0C43SSNM7Z9ZPGRB");

        Assert.True(table.ExitCode == 0, table.ToString());
        foreach (var id in ids)
        {
            Assert.Contains(id, table.Out, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(office, table.Out, StringComparison.Ordinal);
        Assert.Contains("pending", table.Out, StringComparison.Ordinal);
        Assert.Matches("Batch cmb_[0-9A-Z]{26}: 2 devices off", table.Out);
        Assert.Equal(new[] { ids[0], office }.Order(StringComparer.Ordinal), json.GetProperty("commands").EnumerateArray().Select(c => c.GetProperty("deviceId").GetString()));
        Assert.Equal((0, true), (none.ExitCode, none.Out.Contains("nothing was switched", StringComparison.Ordinal)));
        // Offline devices cannot acknowledge: --wait ends at its timeout, exit 1.
        Assert.Equal(ExitCodes.Failure, waited.ExitCode);
        Assert.Equal(ExitCodes.Usage, both.ExitCode);
        Assert.Equal(ExitCodes.Usage, extra.ExitCode);
        Assert.Equal(6, unknown.ExitCode);
        Assert.Contains("deviceIds[0]", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Organizations_and_api_keys()
    {
        var organization = Json(await Fixture.RunAsync(SmartApiApplication.AdminKey, "organizations", "create", "--name", "Cli org", "--json"));
        var organizationId = organization.GetProperty("id").GetString()!;
        var listed = Json(await Fixture.RunAsync(SmartApiApplication.AdminKey, "organizations", "list", "--all", "--json"));
        Assert.Contains(organizationId, listed.EnumerateArray().Select(o => o.GetProperty("id").GetString()));

        var created = await Fixture.RunAsync(SmartApiApplication.AdminKey, "api-keys", "create", "--name", "ci", "--scopes", "devices:read,keys:manage", "--organization", organizationId);
        Assert.Equal(0, created.ExitCode);
        var secret = created.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
        Assert.StartsWith("sk_", secret, StringComparison.Ordinal);

        var keys = Json(await Fixture.RunAsync(secret, "api-keys", "list", "--json"));
        var keyId = Assert.Single(keys.EnumerateArray()).GetProperty("id").GetString()!;
        var table = await Fixture.RunAsync(secret, "api-keys", "list");
        Assert.DoesNotContain(secret, table.Out, StringComparison.Ordinal);
        Assert.Equal(0, (await Fixture.RunAsync(secret, "api-keys", "revoke", keyId)).ExitCode);

        var refused = await Fixture.RunAsync(secret, "devices", "list");
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("refused the API key: The API key was revoked. Check", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, refused.Error + refused.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Organization_retention_is_shown_and_set_for_the_own_organization_and_by_admin_for_another()
    {
        var key = await Fixture.TenantKeyAsync("keys:manage");
        var own = Json(await Fixture.RunAsync(key, "organizations", "retention", "--events-days", "7", "--deliveries-days", "3", "--json"));
        Assert.Equal((7, 3), (own.GetProperty("retention").GetProperty("eventsDays").GetInt32(), own.GetProperty("effectiveRetention").GetProperty("deliveriesDays").GetInt32()));
        var shown = await Fixture.RunAsync(key, "organizations", "retention");
        Assert.Equal(0, shown.ExitCode);
        Assert.Contains("forever", shown.Out, StringComparison.Ordinal);

        var bad = await Fixture.RunAsync(key, "organizations", "retention", "--events-days", "0");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("retention.eventsDays", bad.Error, StringComparison.Ordinal);

        var organizationId = own.GetProperty("id").GetString()!;
        var reset = Json(await Fixture.RunAsync(SmartApiApplication.AdminKey, "organizations", "retention", "--id", organizationId, "--default", "--json"));
        Assert.Equal(JsonValueKind.Null, reset.GetProperty("retention").GetProperty("eventsDays").ValueKind);
    }

    [Fact]
    public async Task Automations_and_deliveries()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var key = await Fixture.TenantKeyAsync("automations:read", "automations:write", "events:read");
        var created = await Fixture.RunAsync(key, "automations", "create", "--name", "Forward", "--url", receiver.Url.ToString());
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains("whsec_", created.Out, StringComparison.Ordinal);
        var automations = Json(await Fixture.RunAsync(key, "automations", "list", "--json"));
        var id = Assert.Single(automations.EnumerateArray()).GetProperty("id").GetString()!;
        Assert.Contains("Forward", (await Fixture.RunAsync(key, "automations", "get", id)).Out, StringComparison.Ordinal);

        var test = Json(await Fixture.RunAsync(key, "automations", "test", id, "--json"));
        var deliveryId = Assert.Single(test.GetProperty("deliveryIds").EnumerateArray()).GetString()!;
        await receiver.NextAsync();
        var deliveries = Json(await Fixture.RunAsync(key, "deliveries", "list", "--automation", id, "--json"));
        Assert.Equal(deliveryId, Assert.Single(deliveries.EnumerateArray()).GetProperty("id").GetString());
        var shown = await Fixture.RunAsync(key, "deliveries", "get", deliveryId);
        Assert.Contains("automation.test", shown.Out, StringComparison.Ordinal);
        Assert.Equal(0, (await Fixture.RunAsync(key, "deliveries", "retry", deliveryId)).ExitCode);
        await receiver.NextAsync();

        var rotated = await Fixture.RunAsync(key, "automations", "rotate-secret", id);
        Assert.Contains("whsec_", rotated.Out, StringComparison.Ordinal);
        var recovered = Json(await Fixture.RunAsync(key, "automations", "recover", id, "--since", "2h", "--json"));
        Assert.Equal(0, recovered.GetProperty("queued").GetInt32());
        // A plain event-to-webhook automation keeps no runs (its record is its deliveries).
        Assert.Equal(0, Json(await Fixture.RunAsync(key, "automations", "runs", id, "--json")).GetArrayLength());
        Assert.Contains("Status", (await Fixture.RunAsync(key, "automations", "runs", id)).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_list_and_tail()
    {
        var key = await Fixture.TenantKeyAsync("devices:write", "events:read");
        await Fixture.RunAsync(key, "devices", "create", "--serial", Serial(), "--name", "First");
        var events = Json(await Fixture.RunAsync(key, "events", "list", "--types", "device.created", "--json"));
        Assert.Equal("device.created", Assert.Single(events.EnumerateArray()).GetProperty("type").GetString());

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        SyncWriter? output = null, errors = null;
        var tail = CliFixture.RunAsync(new CliRun(key, Fixture.App.BaseAddress.ToString(), Attach: (o, e) => (output, errors) = (o, e)) { CancellationToken = stop.Token },
            "events", "tail", "--json");
        // The tail says on stderr when it is connected; a device created after that arrives as one JSON line.
        await errors!.WaitForAsync("Connected to", Ct);
        var device = Json(await Fixture.RunAsync(key, "devices", "create", "--serial", Serial(), "--name", "Second", "--json"));
        var deviceId = device.GetProperty("id").GetString()!;
        await output!.WaitForAsync(deviceId, Ct);
        await stop.CancelAsync();
        var result = await tail;
        Assert.Equal(130, result.ExitCode);
        var line = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single(l => l.Contains(deviceId, StringComparison.Ordinal));
        Assert.Equal("device.created", JsonDocument.Parse(line).RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Errors_are_explained_with_their_exit_codes()
    {
        var reader = await Fixture.TenantKeyAsync("devices:read");
        var scope = await Fixture.RunAsync(reader, "events", "list");
        Assert.Equal(4, scope.ExitCode);
        Assert.Contains("events:read", scope.Error, StringComparison.Ordinal);

        var missing = await Fixture.RunAsync(reader, "devices", "get", "dev_01M8BQWSSN0C43SSNM7Z9ZPGRB");
        Assert.Equal(5, missing.ExitCode);

        var writer = await Fixture.TenantKeyAsync("devices:write");
        var invalid = await Fixture.RunAsync(writer, "devices", "create", "--serial", "bad serial!", "--name", "x");
        Assert.Equal(6, invalid.ExitCode);
        Assert.Contains("serial:", invalid.Error, StringComparison.Ordinal);

        var usage = await Fixture.RunAsync(writer, "devices", "switch", "dev_x", "sideways");
        Assert.Equal(2, usage.ExitCode);

        var noKey = await CliFixture.RunAsync(new CliRun(null, Fixture.App.BaseAddress.ToString()), "devices", "list");
        Assert.Equal(3, noKey.ExitCode);
        Assert.Contains("SMART_API_KEY", noKey.Error, StringComparison.Ordinal);

        var unreachable = await CliFixture.RunAsync(new CliRun(writer, $"http://127.0.0.1:{WebhookReceiver.FreePort()}"), "devices", "list");
        Assert.Equal(7, unreachable.ExitCode);
        Assert.Contains("Cannot reach", unreachable.Error, StringComparison.Ordinal);
    }
}
