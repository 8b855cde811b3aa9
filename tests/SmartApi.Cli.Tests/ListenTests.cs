using System.Net.Http.Json;
using SmartApi.Contracts;
using SmartApi.Server.Tests.Webhooks;
using SmartApi.Webhooks;

namespace SmartApi.Cli.Tests;

/// <summary><c>smart webhooks listen</c> forwards live events, signed, to a real receiver.</summary>
public sealed class ListenTests(CliFixture fixture) : CliTest(fixture)
{
    [Fact]
    public async Task Listen_forwards_each_event_signed_with_the_secret_it_prints()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var key = await Fixture.TenantKeyAsync("devices:write", "events:read");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        SyncWriter? output = null, errors = null;
        var listen = CliFixture.RunAsync(new CliRun(key, Fixture.App.BaseAddress.ToString(), Attach: (o, e) => (output, errors) = (o, e)) { CancellationToken = stop.Token },
            "webhooks", "listen", "--forward-to", receiver.Url.ToString(), "--events", "device.created,device.updated");
        await errors!.WaitForAsync("Ready", Ct);
        var secret = output!.ToString().Split('\n').Single(l => l.StartsWith("Signing secret: ", StringComparison.Ordinal))["Signing secret: ".Length..].Trim();

        using var api = Fixture.App.CreateClient(key);
        var device = (await (await api.PostAsJsonAsync("/v1/devices", new CreateDeviceRequest("DT31-" + Guid.NewGuid().ToString("N")[..10], "Listened"),
            SmartApiJsonContext.Default.CreateDeviceRequest, Ct)).Content.ReadFromJsonAsync(SmartApiJsonContext.Default.DeviceResponse, Ct))!;
        await api.DeleteAsync($"/v1/devices/{device.Id}", Ct); // device.deleted is filtered out
        await api.PatchAsync($"/v1/devices/{Guid.NewGuid()}", null, Ct);

        var request = await receiver.NextAsync();
        Assert.Equal("device.created", request.Header(WebhookHeaders.EventType));
        var verified = new WebhookVerifier(new WebhookSecret(secret)).Verify(request.Header(WebhookHeaders.Signature), request.Body);
        Assert.True(verified.IsValid, verified.Description);
        var envelope = await api.GetStringAsync($"/v1/events/{request.Header(WebhookHeaders.EventId)}", Ct);
        Assert.Equal(envelope, request.Text);
        Assert.Contains(device.Id, request.Text, StringComparison.Ordinal);

        await output.WaitForAsync("200 OK", Ct);
        Assert.False(await receiver.AnyWithinAsync(TimeSpan.FromMilliseconds(300)));
        await stop.CancelAsync();
        Assert.Equal(130, (await listen).ExitCode);
    }
}
