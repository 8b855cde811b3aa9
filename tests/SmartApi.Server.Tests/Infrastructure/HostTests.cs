using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmartApi.Contracts;

namespace SmartApi.Server.Tests.Infrastructure;

public sealed class HostTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("SmartApi:Storage:Provider", "oracle", "SmartApi:Storage:Provider")]
    [InlineData("SmartApi:BootstrapApiKey", "too-short", "SmartApi:BootstrapApiKey")]
    [InlineData("SmartApi:Mqtt:Port", "70000", "SmartApi:Mqtt:Port")]
    [InlineData("SmartApi:Mqtt:ExternalBroker", "http://broker", "SmartApi:Mqtt:ExternalBroker")]
    [InlineData("SmartApi:Mqtt:MaxConnectPacketSize", "100", "SmartApi:Mqtt:MaxConnectPacketSize")]
    [InlineData("SmartApi:Mqtt:MaxPacketSize", "300000000", "SmartApi:Mqtt:MaxPacketSize")]
    [InlineData("SmartApi:Mqtt:ConnectTimeout", "00:00:00", "SmartApi:Mqtt:ConnectTimeout")]
    [InlineData("SmartApi:Mqtt:MessageRate", "0", "SmartApi:Mqtt:MessageRate")]
    [InlineData("SmartApi:Mqtt:ListenBacklog", "1", "SmartApi:Mqtt:ListenBacklog")]
    [InlineData("SmartApi:Mqtt:MessageBurst", "0", "SmartApi:Mqtt:MessageBurst")]
    [InlineData("SmartApi:Webhooks:AllowedNetworks:0", "10.0.0.0/99", "SmartApi:Webhooks:AllowedNetworks")]
    [InlineData("SmartApi:Webhooks:Timeout", "00:00:00", "SmartApi:Webhooks:Timeout")]
    public async Task Bad_configuration_fails_at_start_naming_the_key(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            SmartApiApplication.StartAsync(new Dictionary<string, string?> { [key] = value }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_socket_transport_queues_a_reconnect_storm_instead_of_kestrels_512()
    {
        await using (var defaults = await SmartApiApplication.StartAsync())
        {
            Assert.Equal(4096, defaults.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.Backlog);
        }
        await using var configured = await SmartApiApplication.StartAsync(new Dictionary<string, string?> { ["SmartApi:Mqtt:ListenBacklog"] = "8192" });
        Assert.Equal(8192, configured.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.Backlog);
    }

    [Fact]
    public async Task Data_and_keys_survive_a_restart_and_the_bootstrap_key_is_created_once()
    {
        var directory = Directory.CreateTempSubdirectory("smartapi-restart-").FullName;
        try
        {
            string deviceId;
            await using (var first = await SmartApiApplication.StartAsync(dataDirectory: directory))
            {
                deviceId = (await SmartApiApplication.CreateDeviceAsync(first.Admin)).Id;
            }
            await using var second = await SmartApiApplication.StartAsync(dataDirectory: directory);
            Assert.Equal(HttpStatusCode.OK, (await second.Admin.GetAsync($"/v1/devices/{deviceId}", Ct)).StatusCode);
            var keys = await (await second.Admin.GetAsync("/v1/api-keys", Ct)).ReadAsync(SmartApiJsonContext.Default.PageApiKeyResponse);
            Assert.Single(keys.Data);
            var organizations = await (await second.Admin.GetAsync("/v1/organizations", Ct)).ReadAsync(SmartApiJsonContext.Default.PageOrganizationResponse);
            Assert.Equal("default", Assert.Single(organizations.Data).Name);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_long_configured_bootstrap_key_works()
    {
        var key = "long key with spaces " + new string('k', 300);
        await using var app = await SmartApiApplication.StartAsync(new Dictionary<string, string?> { ["SmartApi:BootstrapApiKey"] = key });
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient(key).GetAsync("/v1/organizations", Ct)).StatusCode);
    }

    [Fact]
    public async Task Without_a_configured_key_one_is_generated_and_printed()
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            await using var app = await SmartApiApplication.StartAsync(new Dictionary<string, string?> { ["SmartApi:BootstrapApiKey"] = null });
            var secret = System.Text.RegularExpressions.Regex.Match(output.ToString(), "sk_[A-Za-z0-9_-]{43}").Value;
            Assert.NotEmpty(secret);
            Assert.Equal(HttpStatusCode.OK, (await app.CreateClient(secret).GetAsync("/v1/organizations", Ct)).StatusCode);
        }
        finally
        {
            Console.SetOut(original);
        }
    }
}
