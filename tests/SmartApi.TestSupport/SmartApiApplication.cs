using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;
using SmartApi.Testing;

namespace SmartApi.Server.Tests;

/// <summary>
/// The real server on a loopback port (Kestrel, real SQLite in a temp directory), driven over HTTP.
/// Seeding helpers create organizations, keys and devices through the public API.
/// </summary>
public sealed class SmartApiApplication : IAsyncDisposable
{
    public const string AdminKey = "sk_test_admin_key_0123456789_abcdefghijklmnopqrstuvwxyz";

    /// <summary>The webhook-secret key of PostgreSQL test servers (nodes sharing a database need one key).</summary>
    public const string TestEncryptionKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private readonly WebApplication _app;
    private readonly bool _ownsDirectory;
    private string? _schema;
    private readonly List<HttpClient> _clients = [];

    private SmartApiApplication(WebApplication app, string dataDirectory, bool ownsDirectory, Uri baseAddress)
    {
        _app = app;
        _ownsDirectory = ownsDirectory;
        DataDirectory = dataDirectory;
        BaseAddress = baseAddress;
        Admin = CreateClient(AdminKey);
    }

    public string DataDirectory { get; }
    public Uri BaseAddress { get; }
    public HttpClient Admin { get; }
    public IServiceProvider Services => _app.Services;
    public WebApplication App => _app;

    public static async Task<SmartApiApplication> StartAsync(
        IDictionary<string, string?>? settings = null,
        string? dataDirectory = null,
        Action<WebApplicationBuilder>? configure = null,
        string provider = "sqlite")
    {
        var ownsDirectory = dataDirectory is null;
        string? schema = null;
        dataDirectory ??= Directory.CreateTempSubdirectory("smartapi-test-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Testing",
            ContentRootPath = AppContext.BaseDirectory,
        });
        var config = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["SmartApi:DataDirectory"] = dataDirectory,
            ["SmartApi:BootstrapApiKey"] = AdminKey,
            ["SmartApi:Mqtt:Port"] = "0",
        };
        if (provider == "postgres")
        {
            // A schema of its own in the test cluster: servers of different tests never meet.
            schema = PostgresTestEnvironment.NewName("srv");
            config["SmartApi:Storage:Provider"] = "postgres";
            config["SmartApi:Storage:ConnectionString"] = await PostgresTestEnvironment.CreateSchemaAsync(schema);
            config["SmartApi:Webhooks:EncryptionKey"] = TestEncryptionKey;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddSmartApi();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapSmartApi();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SmartApiApplication(app, dataDirectory, ownsDirectory, new Uri(address)) { _schema = schema };
    }

    public HttpClient CreateClient(string? key = null, bool useXApiKey = false)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (key is not null)
        {
            if (useXApiKey)
            {
                client.DefaultRequestHeaders.Add("X-API-Key", key);
            }
            else
            {
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
        }
        _clients.Add(client);
        return client;
    }

    /// <summary>Creates a key in the admin's organization (or <paramref name="organizationId"/>) and returns its secret.</summary>
    public async Task<string> CreateKeyAsync(IReadOnlyList<string> scopes, string? organizationId = null) =>
        (await CreateApiKeyAsync(scopes, organizationId)).Key!;

    public async Task<ApiKeyResponse> CreateApiKeyAsync(IReadOnlyList<string> scopes, string? organizationId = null)
    {
        var response = await Admin.PostAsJsonAsync("/v1/api-keys",
            new CreateApiKeyRequest("test key", scopes, organizationId), SmartApiJsonContext.Default.CreateApiKeyRequest);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.ApiKeyResponse))!;
    }

    /// <summary>A new organization with a client holding a key of <paramref name="scopes"/> in it.</summary>
    public async Task<(string OrganizationId, HttpClient Client)> CreateTenantAsync(params string[] scopes)
    {
        var response = await Admin.PostAsJsonAsync("/v1/organizations",
            new CreateOrganizationRequest("tenant " + Guid.NewGuid().ToString("N")[..8]), SmartApiJsonContext.Default.CreateOrganizationRequest);
        response.EnsureSuccessStatusCode();
        var organization = (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.OrganizationResponse))!;
        var secret = await CreateKeyAsync(scopes.Length == 0 ? ["admin"] : scopes, organization.Id);
        return (organization.Id, CreateClient(secret));
    }

    public static async Task<DeviceResponse> CreateDeviceAsync(HttpClient client, string? serial = null, Dictionary<string, string>? tags = null)
    {
        var response = await client.PostAsJsonAsync("/v1/devices",
            new CreateDeviceRequest(serial ?? "DT31-" + Guid.NewGuid().ToString("N")[..10], "Device", "DT31", tags),
            SmartApiJsonContext.Default.CreateDeviceRequest);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(SmartApiJsonContext.Default.DeviceResponse))!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_schema is not null)
        {
            await PostgresTestEnvironment.DropSchemaAsync(_schema);
        }
        if (_ownsDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>One server shared by the tests of a class; tests isolate themselves with their own tenants and devices.</summary>
public class AppFixture : IAsyncLifetime
{
    private SmartApiApplication? _app;

    /// <summary>The server, or (PostgreSQL without a cluster) a skip of the test asking for it; a failure under CI=true.</summary>
    public SmartApiApplication App => _app ?? Unavailable();

    protected virtual string Provider => "sqlite";

    protected virtual IDictionary<string, string?>? Settings => null;

    public async ValueTask InitializeAsync()
    {
        if (Provider == "postgres" && !PostgresTestEnvironment.IsConfigured)
        {
            return;
        }
        _app = await SmartApiApplication.StartAsync(Settings, provider: Provider);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }

    private static SmartApiApplication Unavailable()
    {
        PostgresTestEnvironment.ConnectionString();
        throw new InvalidOperationException("The test server did not start.");
    }
}

/// <summary>The same server on PostgreSQL (the throwaway cluster of SMARTAPI_TEST_POSTGRES).</summary>
public sealed class PostgresAppFixture : AppFixture
{
    protected override string Provider => "postgres";
}

/// <summary>Base of the tests that share one server per class.</summary>
public abstract class ServerTest(AppFixture fixture) : IClassFixture<AppFixture>
{
    protected SmartApiApplication App => fixture.App;
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;
}
