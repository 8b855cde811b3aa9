using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using SmartApi.Contracts;
using SmartApi.Server.Tests;

namespace SmartApi.Cli.Tests;

/// <summary>A real server with its embedded MQTT broker on a free loopback port, for <c>smart simulate</c>.</summary>
public sealed class MqttServerFixture : IAsyncLifetime
{
    public SmartApiApplication App { get; private set; } = null!;
    public int MqttPort { get; private set; }

    public async ValueTask InitializeAsync()
    {
        MqttPort = SimulateTests.FreePort();
        App = await SmartApiApplication.StartAsync(new Dictionary<string, string?>
        {
            ["SmartApi:Mqtt:Port"] = MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SmartApi:Mqtt:BindAddress"] = "127.0.0.1",
        });
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();

    /// <summary>A new organization, a key of <paramref name="scopes"/> in it, and a client reading its devices.</summary>
    public async Task<(string Key, HttpClient Reader)> TenantAsync(params string[] scopes)
    {
        var response = await App.Admin.PostAsJsonAsync("/v1/organizations", new CreateOrganizationRequest("sim " + Guid.NewGuid().ToString("N")[..6]),
            SmartApiJsonContext.Default.CreateOrganizationRequest);
        var organization = (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.OrganizationResponse))!;
        return (await App.CreateKeyAsync(scopes, organization.Id), App.CreateClient(await App.CreateKeyAsync(["devices:read"], organization.Id)));
    }
}

/// <summary><c>smart simulate</c> against the real server and its embedded broker.</summary>
public sealed class SimulateTests(MqttServerFixture fixture) : IClassFixture<MqttServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _directory = Directory.CreateTempSubdirectory("smart-simulate-").FullName;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string Broker => $"mqtt://127.0.0.1:{fixture.MqttPort}";

    [Fact]
    public async Task Simulate_creates_devices_that_come_online_and_report_power_until_ctrl_c()
    {
        var (key, reader) = await fixture.TenantAsync("devices:write");
        var credentials = Path.Combine(_directory, "devices.json");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        SyncWriter? output = null, errors = null;
        var simulate = CliFixture.RunAsync(new CliRun(key, fixture.App.BaseAddress.ToString(), Attach: (o, e) => (output, errors) = (o, e)) { CancellationToken = stop.Token },
            "simulate", "--devices", "3", "--interval", "1s", "--mqtt", Broker, "--credentials-file", credentials);
        await errors!.WaitForAsync("3 simulated devices connected to " + Broker, Ct);

        // Online with a measurement: the server ingested each device's connect and telemetry.
        List<DeviceResponse> devices = [];
        for (var attempt = 0; attempt < 300; attempt++)
        {
            devices = (await reader.GetFromJsonAsync("/v1/devices", SmartApiJsonContext.Default.PageDeviceResponse, Ct))!.Data.ToList();
            if (devices.Count == 3 && devices.All(d => d.Online && d.Measurement is not null))
            {
                break;
            }
            await Task.Delay(100, Ct);
        }
        Assert.Equal(3, devices.Count);
        Assert.All(devices, d => Assert.True(d.Online && d.Measurement is not null, $"{d.Serial}: online {d.Online}, measurement {d.Measurement}"));
        Assert.All(devices, d => Assert.Equal("true", d.Tags["simulated"]));

        await stop.CancelAsync();
        var result = await simulate;
        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Contains("stopped: 3/3 online", result.Out, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentials));
        }
        var saved = await File.ReadAllTextAsync(credentials, Ct);
        Assert.All(devices, d => Assert.Contains(d.Serial, saved, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Simulate_reuses_the_credentials_file_and_explains_an_unreachable_broker()
    {
        var (key, reader) = await fixture.TenantAsync("devices:write");
        var credentials = Path.Combine(_directory, "devices.json");
        var nobody = $"mqtt://127.0.0.1:{FreePort()}";

        var first = await CliFixture.RunAsync(new CliRun(key, fixture.App.BaseAddress.ToString()) { CancellationToken = Ct },
            "simulate", "--devices", "2", "--mqtt", nobody, "--credentials-file", credentials);
        Assert.True(first.ExitCode == ExitCodes.Unreachable, first.ToString());
        Assert.Contains("Cannot reach the MQTT broker at " + nobody, first.Error, StringComparison.Ordinal);
        Assert.Contains("--mqtt", first.Error, StringComparison.Ordinal);

        var again = await CliFixture.RunAsync(new CliRun(key, fixture.App.BaseAddress.ToString()) { CancellationToken = Ct },
            "simulate", "--devices", "2", "--mqtt", nobody, "--credentials-file", credentials);
        Assert.Equal(ExitCodes.Unreachable, again.ExitCode);
        var page = (await reader.GetFromJsonAsync("/v1/devices", SmartApiJsonContext.Default.PageDeviceResponse, Ct))!;
        Assert.Equal(2, page.Data.Count); // the second run reused the devices of the first
    }

    [Fact]
    public async Task Simulate_refuses_a_key_without_devices_write_a_readable_credentials_file_and_a_bad_interval()
    {
        var (readOnly, _) = await fixture.TenantAsync("devices:read");
        var forbidden = await CliFixture.RunAsync(new CliRun(readOnly, fixture.App.BaseAddress.ToString()) { CancellationToken = Ct },
            "simulate", "--devices", "1", "--mqtt", Broker, "--credentials-file", Path.Combine(_directory, "forbidden.json"));
        Assert.True(forbidden.ExitCode == ExitCodes.Unauthorized, forbidden.ToString());
        Assert.Contains("devices:write", forbidden.Error, StringComparison.Ordinal);

        var (key, _) = await fixture.TenantAsync("devices:write");
        var readable = Path.Combine(_directory, "readable.json");
        await File.WriteAllTextAsync(readable, "[]", Ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(readable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var insecure = await CliFixture.RunAsync(new CliRun(key, fixture.App.BaseAddress.ToString()) { CancellationToken = Ct },
                "simulate", "--devices", "1", "--mqtt", Broker, "--credentials-file", readable);
            Assert.True(insecure.ExitCode == ExitCodes.Configuration, insecure.ToString());
            Assert.Contains("chmod 600 " + readable, insecure.Error, StringComparison.Ordinal);
        }

        // Credentials of devices this server does not know (another server's file): the broker refuses them.
        var stranger = Path.Combine(_directory, "stranger.json");
        await File.WriteAllTextAsync(stranger, "[{\"serial\":\"SIM-ELSEWHERE-1\",\"password\":\"not-here\"}]", Ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(stranger, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var refused = await CliFixture.RunAsync(new CliRun(key, fixture.App.BaseAddress.ToString()) { CancellationToken = Ct },
            "simulate", "--devices", "1", "--mqtt", Broker, "--credentials-file", stranger);
        Assert.True(refused.ExitCode == ExitCodes.Configuration, refused.ToString());
        Assert.Contains("did not accept a device's credentials", refused.Error, StringComparison.Ordinal);

        var usage = await CliFixture.RunAsync(new CliRun(key, fixture.App.BaseAddress.ToString()) { CancellationToken = Ct }, "simulate", "--interval", "soon");
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
        Assert.Contains("--interval 'soon' is not a duration", usage.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_says_when_the_server_is_unreachable()
    {
        var result = await CliFixture.RunAsync(new CliRun("sk_nobody", $"http://127.0.0.1:{FreePort()}") { CancellationToken = Ct },
            "simulate", "--devices", "1", "--credentials-file", Path.Combine(_directory, "unreachable.json"));
        Assert.True(result.ExitCode == ExitCodes.Unreachable, result.ToString());
        Assert.Contains("Cannot reach http://127.0.0.1:", result.Error, StringComparison.Ordinal);
    }
}
