using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using SmartApi.Server.Mqtt;
using static SmartApi.Server.Tests.Mqtt.MqttTestKit;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary>Time-driven gateway behaviour on a fake clock: command expiry, the offline debounce, hourly energy.</summary>
public sealed class GatewayClockTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 20, 0, TimeSpan.Zero));
    private readonly int _port = FreePort();
    private SmartApiApplication _app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _app = await StartAsync(_port, _time, new Dictionary<string, string?>
    {
        ["SmartApi:Mqtt:OfflineGracePeriod"] = "00:00:30",
        ["SmartApi:Commands:Ttl"] = "00:01:00",
    });

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Steps the clock a second at a time (the dispatcher re-arms its timer after each round) until the condition holds.</summary>
    private async Task<T> AdvanceUntilAsync<T>(Func<Task<T>> read, Func<T, bool> condition, int maxSteps = 120)
    {
        for (var step = 0; step < maxSteps; step++)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10, Ct);
        }
        throw new TimeoutException("condition not reached while the clock moved on");
    }

    [Fact]
    public async Task Credentials_that_aged_out_leave_the_cache_at_a_later_lookup()
    {
        var directory = _app.Services.GetRequiredService<DeviceDirectory>();
        var (first, firstPassword) = await CreateDeviceAsync(_app.Admin);
        var (second, secondPassword) = await CreateDeviceAsync(_app.Admin);
        Assert.NotNull(await directory.AuthenticateAsync(first.Serial, firstPassword, Ct));
        Assert.NotNull(await directory.AuthenticateAsync(second.Serial, secondPassword, Ct));
        Assert.Equal(2, directory.Count);

        _time.Advance(TimeSpan.FromSeconds(61)); // past the 1 min cache duration: both aged out, still held
        Assert.Equal(2, directory.Count);
        Assert.NotNull(await directory.AuthenticateAsync(first.Serial, firstPassword, Ct)); // read again, and the sweep drops the other

        Assert.Equal(1, directory.Count);
        Assert.Null(await directory.AuthenticateAsync(second.Serial, "wrong", Ct));
        Assert.Null(await directory.AuthenticateAsync("no-such-serial", firstPassword, Ct));
        Assert.Equal(2, directory.Count); // the second device re-read (found devices are cached); unknown serials never are
    }

    [Fact]
    public async Task A_command_no_device_takes_expires_after_the_ttl_with_an_event()
    {
        var (created, _) = await CreateDeviceAsync(_app.Admin);
        var response = await _app.Admin.PostAsJsonAsync($"/v1/devices/{created.Id}/switch", new SwitchRequest(SwitchAction.Toggle), SmartApiJsonContext.Default.SwitchRequest, Ct);
        var command = await response.ReadAsync(SmartApiJsonContext.Default.CommandResponse);

        _time.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(300, Ct);
        var before = await GetAsync(created.Id, command.Id);
        _time.Advance(TimeSpan.FromSeconds(1));
        var expired = await AdvanceUntilAsync(() => GetAsync(created.Id, command.Id), c => c.Status == CommandStatus.Expired, 5);
        var expiredEvent = await EventAsync(_app.Admin, created.Id, "command.expired");

        Assert.Equal(CommandStatus.Pending, before.Status);
        Assert.Equal("not_delivered", expired.Error);
        Assert.Equal(command.Id, expiredEvent.Data.GetProperty("commandId").GetString());
    }

    [Fact]
    public async Task A_reconnect_within_the_grace_period_emits_nothing_and_a_longer_absence_goes_offline_once()
    {
        var (created, password) = await CreateDeviceAsync(_app.Admin);
        var presence = _app.Services.GetRequiredService<DevicePresence>();
        var device = await ConnectAsync(_port, created.Serial, password);
        await EventAsync(_app.Admin, created.Id, "device.online");

        for (var flap = 0; flap < 5; flap++)
        {
            await device.DisposeAsync();
            await UntilAsync(() => Task.FromResult(presence.IsConnected(created.Id)), connected => !connected);
            _time.Advance(TimeSpan.FromSeconds(10));
            device = await ConnectAsync(_port, created.Serial, password);
        }
        _time.Advance(TimeSpan.FromSeconds(60));
        await presence.IdleAsync();
        var whileFlapping = await EventsAsync(_app.Admin, created.Id);
        await device.DisposeAsync();
        await UntilAsync(() => Task.FromResult(presence.IsConnected(created.Id)), connected => !connected);
        _time.Advance(TimeSpan.FromSeconds(29));
        await presence.IdleAsync();
        var withinGrace = await GetDeviceAsync(_app.Admin, created.Id);
        _time.Advance(TimeSpan.FromSeconds(1));
        await presence.IdleAsync();

        var offline = await EventAsync(_app.Admin, created.Id, "device.offline");
        Assert.Equal(["device.online"], whileFlapping.Where(e => e.Type.StartsWith("device.o", StringComparison.Ordinal)).Select(e => e.Type));
        Assert.True(withinGrace.Online);
        Assert.False((await GetDeviceAsync(_app.Admin, created.Id)).Online);
        Assert.Equal("disconnected", offline.Data.GetProperty("reason").GetString());
        Assert.Single(await EventsAsync(_app.Admin, created.Id, "device.offline"));
    }

    [Fact]
    public async Task Each_hour_every_device_with_samples_gets_its_energy_reported_once()
    {
        var (created, password) = await CreateDeviceAsync(_app.Admin);
        await using var device = await ConnectAsync(_port, created.Serial, password);
        var hour = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        await device.TelemetryAsync(100, hour.AddMinutes(1), energyWh: 5000);
        await device.TelemetryAsync(100, hour.AddMinutes(10), energyWh: 5050);
        await device.TelemetryAsync(100, hour.AddMinutes(19), energyWh: 5100.5);

        _time.Advance(TimeSpan.FromMinutes(40) + EnergyReporter.Settle);
        var reported = await AdvanceUntilAsync(() => EventsAsync(_app.Admin, created.Id, "device.energy.reported"), e => e.Count > 0, 30);
        _time.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(200, Ct);

        var data = Assert.Single(await EventsAsync(_app.Admin, created.Id, "device.energy.reported")).Data;
        Assert.Single(reported);
        Assert.Equal(100.5, data.GetProperty("energyWh").GetDouble(), 6);
        Assert.Equal(hour, data.GetProperty("periodStart").GetDateTimeOffset());
        Assert.Equal(hour.AddHours(1), data.GetProperty("periodEnd").GetDateTimeOffset());
    }

    private async Task<CommandResponse> GetAsync(string deviceId, string commandId) =>
        await (await _app.Admin.GetAsync($"/v1/devices/{deviceId}/commands/{commandId}", Ct)).ReadAsync(SmartApiJsonContext.Default.CommandResponse);
}
