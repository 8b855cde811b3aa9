namespace SmartApi.Client;

/// <summary>
/// The Smart API client: one property per resource. Thread-safe; create one per server and key
/// and reuse it, like <see cref="HttpClient"/>.
/// </summary>
/// <example>
/// <code>
/// using var smart = new SmartApiClient(new SmartApiClientOptions { BaseAddress = new("http://127.0.0.1:8080"), ApiKey = key });
/// await foreach (var device in smart.Devices.ListAsync(online: true)) { Console.WriteLine(device.Name); }
/// </code>
/// </example>
public sealed class SmartApiClient : IDisposable
{
    private readonly SmartApiTransport _transport;

    /// <summary>Creates a client with its own connection pool.</summary>
    /// <param name="options">Address, key, retries and clock.</param>
    /// <param name="handler">The HTTP handler to send through (tests, proxies); the client does not dispose it.</param>
    public SmartApiClient(SmartApiClientOptions options, HttpMessageHandler? handler = null)
        : this(new SmartApiTransport(
            handler is null
                ? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan }
                : new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan },
            ownsHttp: true, Validate(options)))
    {
    }

    /// <summary>
    /// Creates a client over an existing <see cref="HttpClient"/> (from IHttpClientFactory, say), which
    /// it does not dispose. Its <see cref="HttpClient.Timeout"/> also cuts event streams: set it to
    /// <see cref="Timeout.InfiniteTimeSpan"/> to stream; <see cref="SmartApiClientOptions.RequestTimeout"/> still limits requests.
    /// </summary>
    public SmartApiClient(HttpClient httpClient, SmartApiClientOptions options)
        : this(new SmartApiTransport(httpClient ?? throw new ArgumentNullException(nameof(httpClient)), ownsHttp: false, Validate(options)))
    {
    }

    private SmartApiClient(SmartApiTransport transport)
    {
        _transport = transport;
        Organizations = new OrganizationsClient(transport);
        ApiKeys = new ApiKeysClient(transport);
        Devices = new DevicesClient(transport);
        Events = new EventsClient(transport);
        Automations = new AutomationsClient(transport);
        Deliveries = new DeliveriesClient(transport);
        PortalSessions = new PortalSessionsClient(transport);
        Tariffs = new TariffsClient(transport);
        Energy = new EnergyClient(transport);
        Exports = new ExportsClient(transport);
        Budgets = new BudgetsClient(transport);
    }

    /// <summary>Organizations (admin keys).</summary>
    public OrganizationsClient Organizations { get; }

    /// <summary>API keys.</summary>
    public ApiKeysClient ApiKeys { get; }

    /// <summary>Devices, commands and measurements.</summary>
    public DevicesClient Devices { get; }

    /// <summary>The event log, the catalog and the live stream.</summary>
    public EventsClient Events { get; }

    /// <summary>Automations.</summary>
    public AutomationsClient Automations { get; }

    /// <summary>Webhook deliveries.</summary>
    public DeliveriesClient Deliveries { get; }

    /// <summary>Portal sessions: embeddable URLs for an integrator's customers.</summary>
    public PortalSessionsClient PortalSessions { get; }

    /// <summary>Tariffs: energy prices by period and time-of-use band, and what they apply to.</summary>
    public TariffsClient Tariffs { get; }

    /// <summary>Energy statistics in local time, per device and across the organization.</summary>
    public EnergyClient Energy { get; }
    /// <summary><c>/v1/exports</c>: measurements and energy statistics as CSV or Parquet files, with downloads that resume.</summary>
    public ExportsClient Exports { get; }
    /// <summary>Energy budgets: limits on a device's or a tag's energy or cost per local day or month.</summary>
    public BudgetsClient Budgets { get; }

    /// <summary>Releases the connection pool when the client owns it.</summary>
    public void Dispose() => _transport.Dispose();

    private static SmartApiClientOptions Validate(SmartApiClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.BaseAddress);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        if (!options.BaseAddress.IsAbsoluteUri)
        {
            throw new ArgumentException("BaseAddress must be an absolute URL such as http://127.0.0.1:8080.", nameof(options));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries);
        ArgumentOutOfRangeException.ThrowIfNegative(options.ExportMaxResumes);
        return options;
    }
}
