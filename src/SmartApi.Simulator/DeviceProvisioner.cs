using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SmartApi.Contracts;

namespace SmartApi.Simulator;

/// <summary>
/// Creates the fleet's devices through the Smart API (<c>POST /v1/devices</c>) and keeps their
/// credentials in a file: the API shows a device's password only once, so the next run reuses the
/// same devices instead of creating new ones.
/// </summary>
public static class DeviceProvisioner
{
    /// <param name="api">An HttpClient with the server's base address and a key with <c>devices:write</c>.</param>
    /// <param name="credentialsFile">Where credentials are kept between runs (e.g. <c>./simulator-devices.json</c>).</param>
    public static async Task<IReadOnlyList<SimulatedDeviceCredentials>> EnsureDevicesAsync(
        HttpClient api, int count, string credentialsFile, string serialPrefix = "SIM-", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(api);
        var known = new List<SimulatedDeviceCredentials>();
        if (File.Exists(credentialsFile))
        {
            await using var stream = File.OpenRead(credentialsFile);
            known.AddRange(await JsonSerializer.DeserializeAsync(stream, SimulatorJsonContext.Default.ListSimulatedDeviceCredentials, cancellationToken) ?? []);
        }
        var profiles = Enum.GetValues<LoadProfile>();
        var run = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        while (known.Count < count)
        {
            var i = known.Count;
            var profile = profiles[i % profiles.Length];
            var request = new CreateDeviceRequest($"{serialPrefix}{run}-{i:D5}", $"Simulated {profile} {i}", "DT31",
                new Dictionary<string, string> { ["simulated"] = "true", ["profile"] = profile.ToString().ToLowerInvariant() });
            var response = await api.PostAsJsonAsync("/v1/devices", request, SmartApiJsonContext.Default.CreateDeviceRequest, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new HttpRequestException($"Creating device {request.Serial} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
            var device = (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.DeviceResponse, cancellationToken))!;
            known.Add(new SimulatedDeviceCredentials(device.Credentials!.MqttUsername, device.Credentials.MqttPassword));
            if (known.Count % 100 == 0 || known.Count == count)
            {
                await SaveAsync(credentialsFile, known, cancellationToken);
            }
        }
        return known.Take(count).ToList();
    }

    private static async Task SaveAsync(string file, List<SimulatedDeviceCredentials> credentials, CancellationToken cancellationToken)
    {
        await using var stream = File.Create(file);
        await JsonSerializer.SerializeAsync(stream, credentials, SimulatorJsonContext.Default.ListSimulatedDeviceCredentials, cancellationToken);
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<SimulatedDeviceCredentials>))]
internal sealed partial class SimulatorJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
