using System.Collections.Concurrent;
using SmartApi.Server.Tests;

namespace SmartApi.Client.Tests;

/// <summary>One real server per test class, with loopback webhooks allowed, and clients over it.</summary>
public sealed class ClientFixture : IAsyncLifetime
{
    public SmartApiApplication App { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        App = await SmartApiApplication.StartAsync(new Dictionary<string, string?> { ["SmartApi:Webhooks:AllowPrivateNetworks"] = "true" });

    public async ValueTask DisposeAsync() => await App.DisposeAsync();

    /// <summary>A client of the server with <paramref name="key"/>, recording each request it sends.</summary>
    public SmartApiClient Client(string key, RecordingHandler? recorder = null, Action<SmartApiClientOptions>? configure = null)
    {
        var options = new SmartApiClientOptions { BaseAddress = App.BaseAddress, ApiKey = key };
        configure?.Invoke(options);
        return new SmartApiClient(options, recorder ?? new RecordingHandler());
    }

    /// <summary>A new organization and a client holding a key of <paramref name="scopes"/> in it.</summary>
    public async Task<(string OrganizationId, SmartApiClient Client)> TenantAsync(params string[] scopes)
    {
        using var admin = Client(SmartApiApplication.AdminKey);
        var organization = await admin.Organizations.CreateAsync(new("tenant " + Guid.NewGuid().ToString("N")[..8]));
        var key = await admin.ApiKeys.CreateAsync(new("test", scopes.Length == 0 ? ["admin"] : scopes, organization.Id));
        return (organization.Id, Client(key.Key!));
    }
}

/// <summary>Sends over real sockets and remembers each request's method, path and headers.</summary>
public sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    public ConcurrentQueue<(HttpMethod Method, string Path, IReadOnlyDictionary<string, string> Headers)> Requests { get; } = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        Requests.Enqueue((request.Method, request.RequestUri!.AbsolutePath, headers));
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Base of the tests that share one server per class.</summary>
public abstract class ClientTest(ClientFixture fixture) : IClassFixture<ClientFixture>
{
    protected ClientFixture Fixture => fixture;
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;
}
