namespace SmartApi.Client;

/// <summary>Settings of a <see cref="SmartApiClient"/>.</summary>
public sealed class SmartApiClientOptions
{
    /// <summary>The server's address, such as <c>http://127.0.0.1:8080</c>.</summary>
    public Uri BaseAddress { get; set; } = new("http://127.0.0.1:8080");

    /// <summary>The API key (<c>sk_...</c>), sent as <c>Authorization: Bearer</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// How many times a request is sent again after a 429, a 5xx or a connection failure (default 3).
    /// Only safe requests are retried: GET, PUT, DELETE, and POSTs, which always carry an
    /// <c>Idempotency-Key</c>. PATCH is never retried.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry delay when the server gives no <c>Retry-After</c>; it doubles with each retry (default 500 ms).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The longest wait before a retry (default 30 s). A <c>Retry-After</c> longer than this is not
    /// waited for: the error is thrown instead.
    /// </summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one request may take, retries not counted (default 100 s). Event streams are not limited.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// An event stream that receives nothing, not even a heartbeat, for this long is considered dead
    /// and is reconnected (default 60 s; the server sends heartbeats every 15 s by default).
    /// </summary>
    public TimeSpan StreamIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How many times in a row an export download may break without receiving a further row before it gives up
    /// (default 5). Each resume waits as a retry does (<see cref="RetryBaseDelay"/>, doubling).
    /// </summary>
    public int ExportMaxResumes { get; set; } = 5;

    /// <summary>The clock for retry delays and stream timeouts; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
