using System.Net;
using Microsoft.Extensions.Options;
using SmartApi.Testing;

namespace SmartApi.Server.Tests.Postgres;

public sealed class PostgresHostTests
{
    private const string Key = SmartApiApplication.TestEncryptionKey;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null, Key, "SmartApi:Storage:ConnectionString: is required")]
    [InlineData("Host=db;Database=smartapi;Bogus=1", Key, "is not a valid PostgreSQL connection string")]
    [InlineData("Database=smartapi", Key, "SmartApi:Storage:ConnectionString: does not name the PostgreSQL server")]
    [InlineData("Host=db", Key, "SmartApi:Storage:ConnectionString: does not name the database")]
    [InlineData("Host=db;Database=smartapi", null, "SmartApi:Webhooks:EncryptionKey: is required")]
    public async Task Postgres_configuration_mistakes_fail_at_start_with_a_clear_message(string? connectionString, string? encryptionKey, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => SmartApiApplication.StartAsync(new Dictionary<string, string?>
        {
            ["SmartApi:Storage:Provider"] = "postgres",
            ["SmartApi:Storage:ConnectionString"] = connectionString,
            ["SmartApi:Webhooks:EncryptionKey"] = encryptionKey,
        }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_postgres_server_that_cannot_be_reached_stops_the_start()
    {
        var port = Webhooks.WebhookReceiver.FreePort();
        await Assert.ThrowsAnyAsync<Npgsql.NpgsqlException>(() => SmartApiApplication.StartAsync(new Dictionary<string, string?>
        {
            ["SmartApi:Storage:Provider"] = "postgres",
            ["SmartApi:Storage:ConnectionString"] = $"Host=127.0.0.1;Port={port};Database=smartapi;Username=smartapi;Timeout=2",
            ["SmartApi:Webhooks:EncryptionKey"] = Key,
        }));
    }

    [Fact]
    public async Task Two_nodes_on_one_database_see_each_others_writes_and_keys()
    {
        var schema = PostgresTestEnvironment.NewName("srv");
        var settings = new Dictionary<string, string?>
        {
            ["SmartApi:Storage:Provider"] = "postgres",
            ["SmartApi:Storage:ConnectionString"] = await PostgresTestEnvironment.CreateSchemaAsync(schema),
            ["SmartApi:Webhooks:EncryptionKey"] = Key,
        };
        try
        {
            // Started together: the migration lock makes the second wait for the first's schema.
            var starting = new[] { SmartApiApplication.StartAsync(settings), SmartApiApplication.StartAsync(settings) };
            await using var first = await starting[0];
            await using var second = await starting[1];

            var (_, client) = await first.CreateTenantAsync("admin");
            var device = await SmartApiApplication.CreateDeviceAsync(client);
            var key = client.DefaultRequestHeaders.Authorization!.Parameter!;

            using var other = second.CreateClient(key);
            Assert.Equal(HttpStatusCode.OK, (await other.GetAsync($"/v1/devices/{device.Id}", Ct)).StatusCode);
            // Both started with the same bootstrap key: it exists once, not once per node.
            var keys = await (await second.Admin.GetAsync("/v1/api-keys", Ct)).ReadAsync(Contracts.SmartApiJsonContext.Default.PageApiKeyResponse);
            Assert.Single(keys.Data);
        }
        finally
        {
            await PostgresTestEnvironment.DropSchemaAsync(schema);
        }
    }
}
