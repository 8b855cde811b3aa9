using System.Net;
using SmartApi.Contracts;
using SmartApi.Server.Tests;
using SmartApi.Server.Tests.Webhooks;

namespace SmartApi.Client.Tests;

/// <summary>Every resource through the client, against the real server on loopback.</summary>
public sealed class ResourceTests(ClientFixture fixture) : ClientTest(fixture)
{
    [Fact]
    public async Task Organizations_and_api_keys()
    {
        using var admin = Fixture.Client(SmartApiApplication.AdminKey);
        var organization = await admin.Organizations.CreateAsync(new("Acme " + Guid.NewGuid().ToString("N")[..6]), cancellationToken: Ct);
        Assert.StartsWith("org_", organization.Id, StringComparison.Ordinal);
        Assert.Equal(organization, await admin.Organizations.GetAsync(organization.Id, Ct));
        Assert.Contains(organization.Id, await admin.Organizations.ListAsync(pageSize: 1, cancellationToken: Ct).Select(o => o.Id).ToListAsync(Ct));

        var created = await admin.ApiKeys.CreateAsync(new("ci", ["devices:read", "keys:manage"], organization.Id), cancellationToken: Ct);
        Assert.StartsWith("sk_", created.Key, StringComparison.Ordinal);
        using var tenant = Fixture.Client(created.Key!);
        var second = await tenant.ApiKeys.CreateAsync(new("reader", ["devices:read"]), cancellationToken: Ct);
        var listed = await tenant.ApiKeys.ListAsync(pageSize: 1, cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal([created.Id, second.Id], listed.Select(k => k.Id));
        Assert.All(listed, k => Assert.Null(k.Key));
        Assert.Equal(second.Id, (await tenant.ApiKeys.GetAsync(second.Id, Ct)).Id);
        Assert.NotNull((await tenant.ApiKeys.RevokeAsync(second.Id, cancellationToken: Ct)).RevokedAt);

        using var revoked = Fixture.Client(second.Key!);
        var error = await Assert.ThrowsAsync<SmartApiException>(() => revoked.Devices.ListPageAsync(cancellationToken: Ct));
        Assert.Equal((HttpStatusCode.Unauthorized, "unauthorized"), (error.StatusCode, error.Code));
    }

    [Fact]
    public async Task Tariffs()
    {
        var (_, client) = await Fixture.TenantAsync("tariffs:read", "tariffs:write");
        using var _ = client;
        var created = await client.Tariffs.CreateAsync(new("Home", "CHF",
            [new("2026-01-01", null, 0.25, [new("peak", ["mon", "fri"], "07:00", "20:00", 0.32)], new(PerDay: 0.4))],
            new(Organization: true, Tags: ["room:kitchen"])), cancellationToken: Ct);
        Assert.StartsWith("trf_", created.Id, StringComparison.Ordinal);
        Assert.Equal(["mon", "fri"], Assert.Single(Assert.Single(created.Periods).Bands!).Days);
        var second = await client.Tariffs.CreateAsync(new("Office", "CHF", [new("2026-01-01", null, 0.2)], new(Tags: ["room:office"])), cancellationToken: Ct);
        Assert.Equal([created.Id, second.Id], await client.Tariffs.ListAsync(pageSize: 1, cancellationToken: Ct).Select(t => t.Id).ToListAsync(Ct));

        var renamed = await client.Tariffs.UpdateAsync(created.Id, new(Name: "Home 2026"), Ct);
        Assert.Equal(("Home 2026", 0.32), (renamed.Name, renamed.Periods[0].Bands![0].PricePerKwh));
        Assert.Equal("Home 2026", (await client.Tariffs.GetAsync(created.Id, Ct)).Name);

        var taken = await Assert.ThrowsAsync<SmartApiException>(() =>
            client.Tariffs.UpdateAsync(second.Id, new(AppliesTo: new(Organization: true)), Ct));
        Assert.Equal((HttpStatusCode.Conflict, "tariff_target_taken"), (taken.StatusCode, taken.Code));

        await client.Tariffs.DeleteAsync(created.Id, Ct);
        var gone = await Assert.ThrowsAsync<SmartApiException>(() => client.Tariffs.GetAsync(created.Id, Ct));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Devices_commands_and_measurements()
    {
        var (_, client) = await Fixture.TenantAsync("devices:read", "devices:write");
        using var _ = client;
        var devices = new List<DeviceResponse>();
        for (var i = 0; i < 5; i++)
        {
            devices.Add(await client.Devices.CreateAsync(new("DT31-" + Guid.NewGuid().ToString("N")[..10], $"Plug {i}", "DT31",
                new() { ["room"] = i % 2 == 0 ? "kitchen" : "office" }), cancellationToken: Ct));
        }
        Assert.NotNull(devices[0].Credentials);

        // Paging as IAsyncEnumerable walks every page.
        Assert.Equal(devices.Select(d => d.Id), await client.Devices.ListAsync(pageSize: 2, cancellationToken: Ct).Select(d => d.Id).ToListAsync(Ct));
        Assert.Equal(3, await client.Devices.ListAsync(tag: "room:kitchen", cancellationToken: Ct).CountAsync(Ct));
        Assert.Equal(3, await client.Devices.CountAsync(tag: "room:kitchen", cancellationToken: Ct));
        Assert.Equal(0, await client.Devices.CountAsync(online: true, cancellationToken: Ct));
        var page = await client.Devices.ListPageAsync(limit: 2, cancellationToken: Ct);
        Assert.True(page.HasMore);

        var renamed = await client.Devices.UpdateAsync(devices[0].Id, new(Name: "Coffee machine", Settings: new(PowerOnState.Last)), Ct);
        Assert.Equal(("Coffee machine", PowerOnState.Last), (renamed.Name, renamed.Settings.PowerOnState));
        Assert.Equal("Coffee machine", (await client.Devices.GetAsync(devices[0].Id, Ct)).Name);

        var command = await client.Devices.SwitchAsync(devices[0].Id, SwitchAction.On, cancellationToken: Ct);
        Assert.StartsWith("cmd_", command.Id, StringComparison.Ordinal);
        Assert.Equal(command.Id, (await client.Devices.GetCommandAsync(devices[0].Id, command.Id, Ct)).Id);
        Assert.Equal([command.Id], await client.Devices.ListCommandsAsync(devices[0].Id, cancellationToken: Ct).Select(c => c.Id).ToListAsync(Ct));

        Assert.Empty(await client.Devices.ListMeasurementsAsync(devices[0].Id, interval: "1h", cancellationToken: Ct).ToListAsync(Ct));
        Assert.Empty(await client.Devices.ListMeasurementsAsync(devices[0].Id, from: DateTimeOffset.UtcNow.AddHours(-1), cancellationToken: Ct).ToListAsync(Ct));

        await client.Devices.DeleteAsync(devices[4].Id, Ct);
        var missing = await Assert.ThrowsAsync<SmartApiException>(() => client.Devices.GetAsync(devices[4].Id, Ct));
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (missing.StatusCode, missing.Code));
    }

    [Fact]
    public async Task Bulk_switch_by_tag_and_by_ids_and_the_batch_status()
    {
        var (_, client) = await Fixture.TenantAsync("devices:read", "devices:write");
        using var _ = client;
        var devices = new List<DeviceResponse>();
        for (var i = 0; i < 3; i++)
        {
            devices.Add(await client.Devices.CreateAsync(new("DT31-" + Guid.NewGuid().ToString("N")[..10], $"Plug {i}", "DT31",
                new() { ["room"] = i < 2 ? "kitchen" : "office" }), cancellationToken: Ct));
        }

        var byTag = await client.Devices.SwitchAsync(DeviceSelector.WithTag("room:kitchen"), SwitchAction.Off, cancellationToken: Ct);
        var byIds = await client.Devices.SwitchAsync(DeviceSelector.Ids([devices[2].Id]), SwitchAction.On, cancellationToken: Ct);
        var none = await client.Devices.SwitchAsync(DeviceSelector.WithTag("room:garage"), SwitchAction.Off, cancellationToken: Ct);
        var read = await client.Devices.GetSwitchBatchAsync(byTag.BatchId!, Ct);
        var foreign = await Assert.ThrowsAsync<SmartApiException>(() =>
            client.Devices.SwitchAsync(DeviceSelector.Ids([devices[0].Id, "dev_01M8BQWSSN0C43SSNM7Z9ZPGRB"]), SwitchAction.On, cancellationToken: Ct));

        Assert.Equal(devices.Take(2).Select(d => d.Id), byTag.Commands.Select(c => c.DeviceId));
        Assert.Equal(SwitchAction.Off, byTag.State);
        Assert.Equal(byTag.Commands, read.Commands);
        Assert.Equal(devices[2].Id, Assert.Single(byIds.Commands).DeviceId);
        Assert.Null(none.BatchId);
        Assert.Empty(none.Commands);
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (foreign.StatusCode, foreign.Code));
        Assert.Single(await client.Devices.ListCommandsAsync(devices[0].Id, cancellationToken: Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Events_list_get_types_and_filters()
    {
        var (_, client) = await Fixture.TenantAsync("devices:write", "events:read");
        using var _ = client;
        var first = await client.Devices.CreateAsync(new("DT31-" + Guid.NewGuid().ToString("N")[..10], "A"), cancellationToken: Ct);
        await client.Devices.CreateAsync(new("DT31-" + Guid.NewGuid().ToString("N")[..10], "B"), cancellationToken: Ct);
        await client.Devices.UpdateAsync(first.Id, new(Name: "A2"), Ct);

        var all = await client.Events.ListAsync(pageSize: 1, cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(["device.created", "device.created", "device.updated"], all.Select(e => e.Type));
        var updates = await client.Events.ListAsync(types: ["device.updated"], cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(all[2].Id, Assert.Single(updates).Id);
        Assert.Equal(2, await client.Events.ListAsync(deviceId: first.Id, cancellationToken: Ct).CountAsync(Ct));
        Assert.Equal(all.Skip(1).Select(e => e.Id), await client.Events.ListAsync(after: all[0].Id, cancellationToken: Ct).Select(e => e.Id).ToListAsync(Ct));
        Assert.Equal("A2", (await client.Events.GetAsync(all[2].Id, Ct)).Data.GetProperty("name").GetString());
        var types = await client.Events.ListTypesAsync(Ct);
        Assert.Contains(types, t => t.Type == "device.switched");
    }

    [Fact]
    public async Task Automations_and_deliveries()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, client) = await Fixture.TenantAsync("automations:read", "automations:write", "events:read");
        using var _ = client;
        var automation = await client.Automations.CreateAsync(new("Forward", true, new(["*"]), [],
            [new AutomationActionRequest("webhook", receiver.Url.ToString())]), cancellationToken: Ct);
        Assert.StartsWith("whsec_", automation.Actions[0].Secret, StringComparison.Ordinal);
        Assert.Equal(automation.Id, (await client.Automations.GetAsync(automation.Id, Ct)).Id);
        Assert.Equal([automation.Id], await client.Automations.ListAsync(cancellationToken: Ct).Select(a => a.Id).ToListAsync(Ct));
        var updated = await client.Automations.UpdateAsync(automation.Id, new("Forward all", true, new(["*"]), [],
            [new AutomationActionRequest("webhook", receiver.Url.ToString())]), Ct);
        Assert.Equal("Forward all", updated.Name);

        var test = await client.Automations.TestAsync(automation.Id, cancellationToken: Ct);
        Assert.Equal("automation.test", test.Event.Type);
        var request = await receiver.NextAsync();
        Assert.Equal(test.Event.Id, request.Header("X-Event-Id"));
        var deliveryId = Assert.Single(test.DeliveryIds);
        var delivery = await client.Deliveries.GetAsync(deliveryId, Ct);
        Assert.Equal(automation.Id, delivery.AutomationId);
        Assert.Contains(deliveryId, await client.Deliveries.ListAsync(automationId: automation.Id, cancellationToken: Ct).Select(d => d.Id).ToListAsync(Ct));
        Assert.Equal(deliveryId, (await client.Deliveries.RetryAsync(deliveryId, cancellationToken: Ct)).Id);
        await receiver.NextAsync();

        var rotated = await client.Automations.RotateSecretAsync(automation.Id, cancellationToken: Ct);
        Assert.StartsWith("whsec_", rotated.Secret, StringComparison.Ordinal);
        Assert.Equal(0, (await client.Automations.RecoverAsync(automation.Id, DateTimeOffset.UtcNow.AddDays(-1), cancellationToken: Ct)).Queued);
        await client.Automations.DeleteAsync(automation.Id, Ct);
        Assert.Empty(await client.Automations.ListAsync(cancellationToken: Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Problems_become_SmartApiException_with_code_and_field_errors()
    {
        var (_, client) = await Fixture.TenantAsync("devices:write");
        using var _ = client;
        var invalid = await Assert.ThrowsAsync<SmartApiException>(() => client.Devices.CreateAsync(new("bad serial!", ""), cancellationToken: Ct));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (invalid.StatusCode, invalid.Code));
        Assert.Contains("serial", invalid.Errors.Keys);
        Assert.Contains("name", invalid.Errors.Keys);

        var scope = await Assert.ThrowsAsync<SmartApiException>(() => client.Events.ListPageAsync(cancellationToken: Ct));
        Assert.Equal((HttpStatusCode.Forbidden, "insufficient_scope"), (scope.StatusCode, scope.Code));
        Assert.Contains("events:read", scope.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_POST_carries_a_generated_Idempotency_Key_and_a_given_one_replays()
    {
        var recorder = new RecordingHandler();
        using var admin = Fixture.Client(SmartApiApplication.AdminKey, recorder);
        await admin.Organizations.CreateAsync(new("Keyed"), cancellationToken: Ct);
        var sent = recorder.Requests.Single(r => r.Method == HttpMethod.Post);
        Assert.Equal(32, sent.Headers["Idempotency-Key"].Length);

        var first = await admin.Organizations.CreateAsync(new("Once"), "key-" + Guid.NewGuid(), Ct);
        var key = recorder.Requests.Last().Headers["Idempotency-Key"];
        var again = await admin.Organizations.CreateAsync(new("Once"), key, Ct);
        Assert.Equal(first.Id, again.Id);
    }
}
