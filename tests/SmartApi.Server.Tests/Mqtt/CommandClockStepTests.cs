using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Mqtt.MqttTestKit;

namespace SmartApi.Server.Tests.Mqtt;

/// <summary>Command expiry while the server's wall clock is stepped back by an hour.</summary>
public sealed class CommandClockStepTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_a_step_back_a_new_command_still_expires_after_its_ttl()
    {
        var clock = new SteppedClock(new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 20, 0, TimeSpan.Zero)));
        var port = FreePort();
        await using var app = await SmartApiApplication.StartAsync(new Dictionary<string, string?>
        {
            ["SmartApi:Mqtt:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SmartApi:Mqtt:BindAddress"] = "127.0.0.1",
            ["SmartApi:Commands:Ttl"] = "00:01:00",
        }, configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        var (created, _) = await CreateDeviceAsync(app.Admin);
        // The dispatcher's rounds run (and sweep expired commands) on the clock as it was.
        for (var i = 0; i < 3; i++)
        {
            clock.Fake.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50, Ct);
        }

        clock.Step(TimeSpan.FromHours(-1));
        var response = await app.Admin.PostAsJsonAsync($"/v1/devices/{created.Id}/switch", new SwitchRequest(SwitchAction.Toggle), SmartApiJsonContext.Default.SwitchRequest, Ct);
        var command = await response.ReadAsync(SmartApiJsonContext.Default.CommandResponse);
        clock.Fake.Advance(TimeSpan.FromSeconds(60));

        var status = CommandStatus.Pending;
        for (var step = 0; step < 10 && status != CommandStatus.Expired; step++)
        {
            clock.Fake.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50, Ct);
            status = (await (await app.Admin.GetAsync($"/v1/devices/{created.Id}/commands/{command.Id}", Ct)).ReadAsync(SmartApiJsonContext.Default.CommandResponse)).Status;
        }
        Assert.Equal(CommandStatus.Expired, status);
    }
}
