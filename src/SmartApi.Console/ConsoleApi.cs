using System.Net;
using SmartApi.Client;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace SmartApi.WebConsole;

/// <summary>
/// Where this node's own API answers on loopback, and the one connection pool the console's clients
/// share. The console acts through the public API, so authorization and validation are the API's.
/// </summary>
public sealed class ConsoleApiEndpoint(IServer server) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
    private Uri? _address;

    public Uri Address => _address ??= Loopback(server.Features.Get<IServerAddressesFeature>()?.Addresses
        ?? throw new InvalidOperationException("The server has no addresses yet."));

    public SmartApiClient CreateClient(string token) => new(_http, new SmartApiClientOptions
    {
        BaseAddress = Address,
        ApiKey = token,
        // A person is waiting: fail fast and show the problem rather than retry for seconds.
        MaxRetries = 1,
    });

    /// <summary>The first HTTP address with a wildcard or any-address host replaced by loopback.</summary>
    internal static Uri Loopback(ICollection<string> addresses)
    {
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.First();
        var uri = new Uri(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        var builder = new UriBuilder(uri) { Path = "/" };
        if (uri.Host is "localhost" || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))))
        {
            builder.Host = "127.0.0.1";
        }
        return builder.Uri;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// The signed-in user's API client, one per circuit. A 401 from the API (session over) goes back to sign-in.
/// On the portal's page the circuit acts with the portal's <c>pt_</c> token instead (<see cref="StartPortalAsync"/>),
/// never with the console's cookie, and a 401 raises <see cref="PortalEnded"/> for the page to say so.
/// </summary>
public sealed class ConsoleApi(ConsoleApiEndpoint endpoint, AuthenticationStateProvider authentication, NavigationManager navigation) : IDisposable
{
    private SmartApiClient? _client;
    private ConsoleUser? _user;
    private bool _portal;

    /// <summary>Raised once when the API refuses the portal's token (expired or revoked).</summary>
    public event Action? PortalEnded;

    public async Task<ConsoleUser?> UserAsync() =>
        _portal ? _user : _user ??= ConsoleUser.From((await authentication.GetAuthenticationStateAsync()).User);

    /// <summary>
    /// Makes this circuit a portal's: it acts with <paramref name="token"/> once the API has confirmed it
    /// (<c>GET /v1/portal-sessions/current</c>). Null user: no token, or the problem the API answered.
    /// </summary>
    public async Task<(ConsoleUser? User, SmartApiException? Problem)> StartPortalAsync(string? token)
    {
        _portal = true;
        if (token is null || !token.StartsWith("pt_", StringComparison.Ordinal))
        {
            return (null, null);
        }
        var client = endpoint.CreateClient(token);
        try
        {
            var session = await client.PortalSessions.GetCurrentAsync();
            _client?.Dispose();
            _client = client;
            _user = ConsoleUser.ForPortal(token, session);
            return (_user, null);
        }
        catch (SmartApiException ex)
        {
            client.Dispose();
            return (null, ex);
        }
    }

    public async Task<SmartApiClient> ClientAsync()
    {
        if (_client is null)
        {
            var user = await UserAsync() ?? throw new InvalidOperationException("Not signed in.");
            _client = endpoint.CreateClient(user.Token);
        }
        return _client;
    }

    /// <summary>Runs a call; the session ended (401) sends the browser to sign-in, any other problem is returned for the page to show.</summary>
    public async Task<(T? Value, SmartApiException? Problem)> TryAsync<T>(Func<SmartApiClient, Task<T>> call)
    {
        try
        {
            return (await call(await ClientAsync()), null);
        }
        catch (SmartApiException ex) when (ex.StatusCode == HttpStatusCode.Unauthorized)
        {
            if (_portal)
            {
                PortalEnded?.Invoke();
            }
            else
            {
                navigation.NavigateTo("/signin?expired=1", forceLoad: true);
            }
            return (default, ex);
        }
        catch (SmartApiException ex)
        {
            return (default, ex);
        }
    }

    public void Dispose() => _client?.Dispose();
}
