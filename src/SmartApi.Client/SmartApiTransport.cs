using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SmartApi.Contracts;

namespace SmartApi.Client;

/// <summary>
/// Sends requests: authentication, JSON through the shared <see cref="SmartApiJsonContext"/>,
/// problem+json to <see cref="SmartApiException"/>, and retries of safe requests.
/// </summary>
internal sealed class SmartApiTransport : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };
    private static readonly string UserAgent = "SmartApi.Client/" + typeof(SmartApiTransport).Assembly.GetName().Version?.ToString(3);

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _base;

    public SmartApiTransport(HttpClient http, bool ownsHttp, SmartApiClientOptions options)
    {
        _http = http;
        _ownsHttp = ownsHttp;
        Options = options;
        // Relative paths resolve under the base, including a base with a path of its own.
        var text = options.BaseAddress.ToString();
        _base = new Uri(text.EndsWith('/') ? text : text + "/");
    }

    public SmartApiClientOptions Options { get; }

    public TimeProvider Time => Options.TimeProvider;

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    public Task<TResponse> GetAsync<TResponse>(string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, null, responseType, cancellationToken);

    public Task<TResponse> SendAsync<TRequest, TResponse>(HttpMethod method, string path, TRequest body, JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType, string? idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync(method, path, JsonSerializer.SerializeToUtf8Bytes(body, requestType), KeyFor(method, idempotencyKey), responseType, cancellationToken);

    /// <summary>A POST without a body (test, rotate-secret, revoke, retry).</summary>
    public Task<TResponse> PostAsync<TResponse>(string path, JsonTypeInfo<TResponse> responseType, string? idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, null, KeyFor(HttpMethod.Post, idempotencyKey), responseType, cancellationToken);

    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendWithRetriesAsync(HttpMethod.Delete, path, null, null, null, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    private async Task<TResponse> SendAsync<TResponse>(HttpMethod method, string path, byte[]? body, string? idempotencyKey,
        JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        using var response = await SendWithRetriesAsync(method, path, body, idempotencyKey, null, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync(responseType, cancellationToken)
            ?? throw new SmartApiException($"{method} {path} answered {(int)response.StatusCode} without a body.");
    }

    /// <summary>Every POST carries an Idempotency-Key, so that a retry after a lost answer never acts twice.</summary>
    private static string? KeyFor(HttpMethod method, string? idempotencyKey) =>
        method == HttpMethod.Post ? idempotencyKey ?? Guid.NewGuid().ToString("N") : idempotencyKey;

    /// <summary>
    /// Sends the request, and sends it again after a 429, a 5xx or a connection failure when that
    /// is safe, waiting for <c>Retry-After</c> when the server gives one.
    /// </summary>
    internal async Task<HttpResponseMessage> SendWithRetriesAsync(HttpMethod method, string path, byte[]? body, string? idempotencyKey,
        IReadOnlyDictionary<string, string>? headers, HttpCompletionOption completion, CancellationToken cancellationToken, bool stream = false)
    {
        var retryable = method == HttpMethod.Get || method == HttpMethod.Put || method == HttpMethod.Delete || method == HttpMethod.Head
            || (method == HttpMethod.Post && idempotencyKey is not null);
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(_base, path.TrimStart('/')));
            request.Headers.UserAgent.ParseAdd(UserAgent);
            if (Options.ApiKey is { } key)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            if (idempotencyKey is not null)
            {
                request.Headers.Add("Idempotency-Key", idempotencyKey);
            }
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body) { Headers = { ContentType = JsonContentType } };
            }

            using var timeout = stream ? new CancellationTokenSource() : new CancellationTokenSource(Options.RequestTimeout, Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, completion, linked.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (retryable && attempt < Options.MaxRetries)
            {
                await DelayAsync(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{method} {path} took longer than {Options.RequestTimeout}.", ex);
            }
            if (retryable && attempt < Options.MaxRetries && IsTransient(response.StatusCode) && RetryDelay(response, attempt) is { } delay)
            {
                response.Dispose();
                await DelayAsync(delay, cancellationToken).ConfigureAwait(false);
                continue;
            }
            return response;
        }
    }

    internal static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    /// <summary>The server's <c>Retry-After</c> (seconds or a date), else exponential backoff; null when the server asks for longer than <see cref="SmartApiClientOptions.MaxRetryDelay"/>.</summary>
    internal TimeSpan? RetryDelay(HttpResponseMessage response, int attempt)
    {
        TimeSpan delay;
        if (response.Headers.RetryAfter?.Delta is { } delta)
        {
            delay = delta;
        }
        else if (response.Headers.RetryAfter?.Date is { } date)
        {
            delay = date - Time.GetUtcNow();
        }
        else
        {
            return Backoff(attempt);
        }
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }
        return delay <= Options.MaxRetryDelay ? delay : null;
    }

    internal TimeSpan Backoff(int attempt)
    {
        var delay = Options.RetryBaseDelay * Math.Pow(2, Math.Min(attempt, 16));
        return delay < Options.MaxRetryDelay ? delay : Options.MaxRetryDelay;
    }

    internal Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, Time, cancellationToken);

    /// <summary>Throws the problem of a non-2xx answer as a <see cref="SmartApiException"/>.</summary>
    internal static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        string? code = null, title = null, detail = null;
        Dictionary<string, string[]>? errors = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            code = String(root, "code");
            title = String(root, "title");
            detail = String(root, "detail");
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object)
            {
                errors = fields.EnumerateObject().ToDictionary(
                    f => f.Name,
                    f => f.Value.ValueKind == JsonValueKind.Array ? f.Value.EnumerateArray().Select(m => m.ToString()).ToArray() : [f.Value.ToString()],
                    StringComparer.Ordinal);
            }
        }
        catch (JsonException)
        {
            // Not problem+json (a proxy's error page, say): the status speaks for itself.
            detail = text.Length > 200 ? text[..200] : text.Length > 0 ? text : null;
        }
        throw new SmartApiException(response.StatusCode, code ?? "http_" + (int)response.StatusCode, title ?? response.ReasonPhrase, detail, errors);
    }

    private static string? String(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Walks a cursor-paged list page by page.</summary>
    internal static async IAsyncEnumerable<T> PagesAsync<T>(Func<string?, CancellationToken, Task<Page<T>>> fetch, string? after,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cursor = after;
        while (true)
        {
            var page = await fetch(cursor, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Data)
            {
                yield return item;
            }
            if (!page.HasMore || page.NextCursor is null)
            {
                yield break;
            }
            cursor = page.NextCursor;
        }
    }
}

/// <summary>Builds query strings, leaving out parameters without a value.</summary>
internal sealed class Query(string path)
{
    private readonly List<string> _parts = [];

    public Query Add(string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            _parts.Add(name + "=" + Uri.EscapeDataString(value));
        }
        return this;
    }

    public Query Add(string name, int? value) => Add(name, value?.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public Query Add(string name, bool? value) => Add(name, value is null ? null : value.Value ? "true" : "false");

    public Query Add(string name, DateTimeOffset? value) =>
        Add(name, value?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture));

    public override string ToString() => _parts.Count == 0 ? path : path + "?" + string.Join('&', _parts);
}

/// <summary>Escapes ids placed in paths.</summary>
internal static class PathSegment
{
    public static string Of(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return Uri.EscapeDataString(id);
    }
}
