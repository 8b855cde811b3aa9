using System.Security.Cryptography;
using System.Text.Json;
using SmartApi.Server.ApiKeys;
using SmartApi.Server.Webhooks;
using SmartApi.Storage;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// <c>Idempotency-Key</c> on POST (SPEC: Conventions): the same key and body within 24 hours get the
/// first response again (with <c>Idempotent-Replayed: true</c>) instead of acting twice; the same
/// key with another body is a 422; while the first request runs, a second gets 409. Like Stripe,
/// only successful responses are kept: a request that failed can be fixed and sent again with its key.
/// A key left unanswered by a request that died is taken over after a minute. Stored answers are
/// encrypted (<see cref="SecretProtector"/>) since some hold a secret that is otherwise only hashed.
/// <para>
/// Records belong to the calling API key, not to its organization: the filter runs before the
/// handler's own checks (such as "only an admin key can create an admin key"), so a record shared by
/// the organization would hand the first caller's answer to any other key that repeats the request.
/// Per key, a replay only ever gives a caller what it was given itself: a key's scopes never change
/// after creation, and a revoked key fails authentication, which runs before this filter.
/// </para>
/// </summary>
internal sealed class IdempotencyFilter(ISmartApiStore store, SecretProtector protector, TimeProvider time) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(1);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers[Header].ToString();
        if (!HttpMethods.IsPost(http.Request.Method) || key.Length == 0)
        {
            return await next(context);
        }
        if (key.Length > MaxKeyLength || key.Any(c => c is < ' ' or > '~'))
        {
            return Problems.Validation(Header, $"{Header} must be 1-{MaxKeyLength} printable ASCII characters.");
        }
        var caller = http.User.Caller();
        var hash = await RequestHashAsync(http);
        var now = time.GetUtcNow();
        var cancellationToken = http.RequestAborted;

        var existing = await store.GetIdempotencyRecordAsync(caller.KeyId, key, cancellationToken);
        if (existing is not null && existing.CreatedAt > now - Window)
        {
            if (!CryptographicOperations.FixedTimeEquals(existing.RequestHash, hash))
            {
                return Problems.Create(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused", "Idempotency key reused",
                    $"This {Header} was used with another request in the last 24 hours; use a new key for a new request.");
            }
            if (existing.Status is { } status)
            {
                return new ReplayResult(status, existing.HeadersJson, existing.Body is null ? [] : protector.Unprotect(existing.Body));
            }
        }
        var record = new IdempotencyRecord(caller.OrganizationId, caller.KeyId, key, hash, null, null, null, now);
        if (!await store.WriteAsync(tx => tx.TryClaimIdempotencyKeyAsync(record, now - AbandonedAfter, now - Window), cancellationToken))
        {
            return Problems.Conflict("idempotency_key_in_progress", $"A request with this {Header} is still being handled; retry shortly.");
        }

        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        var answered = false;
        try
        {
            var result = await next(context);
            http.Response.Body = buffer;
            if (result is IResult executable)
            {
                await executable.ExecuteAsync(http);
            }
            else if (result is not null)
            {
                await http.Response.WriteAsJsonAsync(result, result.GetType(), cancellationToken);
            }
            http.Response.Body = original;
            if (http.Response.StatusCode < 400)
            {
                var headers = JsonSerializer.Serialize(new Dictionary<string, string>
                {
                    ["Content-Type"] = http.Response.ContentType ?? "application/json",
                    ["Location"] = http.Response.Headers.Location.ToString(),
                }, IdempotencyJsonContext.Default.DictionaryStringString);
                // Encrypted at rest: a stored answer can hold a secret shown once (an API key, a device password).
                var body = protector.Protect(buffer.ToArray());
                await store.WriteAsync(async tx =>
                {
                    await tx.CompleteIdempotencyKeyAsync(caller.KeyId, key, http.Response.StatusCode, headers, body);
                    return true;
                }, CancellationToken.None);
                answered = true;
            }
            buffer.Position = 0;
            await buffer.CopyToAsync(original, cancellationToken);
            return Results.Empty;
        }
        finally
        {
            http.Response.Body = original;
            if (!answered)
            {
                await store.WriteAsync(async tx =>
                {
                    await tx.ReleaseIdempotencyKeyAsync(caller.KeyId, key);
                    return true;
                }, CancellationToken.None);
            }
        }
    }

    /// <summary>SHA-256 of method, path and body: "the same body" is the same bytes to the same endpoint.</summary>
    private static async Task<byte[]> RequestHashAsync(HttpContext http)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(http.Request.Method + " " + http.Request.Path + "\n"));
        if (http.Request.Body.CanSeek)
        {
            http.Request.Body.Position = 0;
            var chunk = new byte[8192];
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk)) > 0)
            {
                hash.AppendData(chunk, 0, read);
            }
        }
        return hash.GetHashAndReset();
    }

    /// <summary>Lets the filter hash the body after binding has read it.</summary>
    public static Task BufferBodyAsync(HttpContext context, Func<Task> next)
    {
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.Headers.ContainsKey(Header))
        {
            context.Request.EnableBuffering();
        }
        return next();
    }

    private sealed class ReplayResult(int status, string? headersJson, byte[] body) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            var headers = headersJson is null ? null : JsonSerializer.Deserialize(headersJson, IdempotencyJsonContext.Default.DictionaryStringString);
            response.ContentType = headers?.GetValueOrDefault("Content-Type") ?? "application/json";
            if (headers?.GetValueOrDefault("Location") is { Length: > 0 } location)
            {
                response.Headers.Location = location;
            }
            response.Headers[ReplayedHeader] = "true";
            await response.Body.WriteAsync(body, httpContext.RequestAborted);
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class IdempotencyJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
