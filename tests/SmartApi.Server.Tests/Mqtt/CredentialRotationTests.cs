using System.Net;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Mqtt.MqttTestKit;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary><c>POST /v1/devices/{id}/rotate-credentials</c> against the embedded broker.</summary>
public sealed class CredentialRotationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rotating_credentials_ends_the_session_refuses_the_old_password_and_accepts_the_new_one()
    {
        var port = FreePort();
        await using var app = await StartAsync(port);
        var (device, password) = await CreateDeviceAsync(app.Admin);
        await using var before = await ConnectAsync(port, device.Serial, password);
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        before.Client.DisconnectedAsync += _ =>
        {
            ended.TrySetResult();
            return Task.CompletedTask;
        };

        var response = await app.Admin.PostAsync($"/v1/devices/{device.Id}/rotate-credentials", null, Ct);
        var credentials = await response.ReadAsync(SmartApiJsonContext.Default.DeviceCredentials);
        await ended.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var old = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(port, device.Serial, password));
        await using var after = await ConnectAsync(port, device.Serial, credentials.MqttPassword);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(device.Serial, credentials.MqttUsername);
        Assert.NotEqual(password, credentials.MqttPassword);
        Assert.Equal(43, credentials.MqttPassword.Length);
        Assert.Contains("BadUserNameOrPassword", old.Message + old.InnerException?.Message);
        Assert.True(after.Client.IsConnected);
    }

    [Fact]
    public async Task Rotating_credentials_appends_device_credentials_rotated_with_the_key_and_never_the_password()
    {
        var port = FreePort();
        await using var app = await StartAsync(port);
        var (device, password) = await CreateDeviceAsync(app.Admin);

        var credentials = await (await app.Admin.PostAsync($"/v1/devices/{device.Id}/rotate-credentials", null, Ct))
            .ReadAsync(SmartApiJsonContext.Default.DeviceCredentials);
        var events = (await (await app.Admin.GetAsync($"/v1/events?deviceId={device.Id}&types=device.credentials_rotated", Ct))
            .ReadAsync(SmartApiJsonContext.Default.PageEventResponse)).Data;
        var keys = await (await app.Admin.GetAsync("/v1/api-keys", Ct)).Content.ReadAsStringAsync(Ct);

        var rotated = Assert.Single(events);
        Assert.Equal(device.Id, rotated.Data.GetProperty("deviceId").GetString());
        Assert.Equal(device.Serial, rotated.Data.GetProperty("serial").GetString());
        Assert.InRange(rotated.Data.GetProperty("rotatedAt").GetDateTimeOffset(), rotated.CreatedAt.AddSeconds(-1), rotated.CreatedAt.AddSeconds(1));
        var by = rotated.Data.GetProperty("rotatedBy").GetString()!;
        Assert.StartsWith("key_", by);
        Assert.Contains(by, keys); // the admin key that asked
        Assert.DoesNotContain(credentials.MqttPassword, rotated.Data.GetRawText());
        Assert.DoesNotContain(password, rotated.Data.GetRawText());
    }

    [Fact]
    public async Task Another_organizations_device_or_an_unknown_one_is_not_found_and_keeps_its_password()
    {
        var port = FreePort();
        await using var app = await StartAsync(port);
        var (device, password) = await CreateDeviceAsync(app.Admin);
        var (_, stranger) = await app.CreateTenantAsync("devices:write");

        await (await stranger.PostAsync($"/v1/devices/{device.Id}/rotate-credentials", null, Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await app.Admin.PostAsync("/v1/devices/dev_unknown/rotate-credentials", null, Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await using var still = await ConnectAsync(port, device.Serial, password);

        Assert.True(still.Client.IsConnected);
    }
}
