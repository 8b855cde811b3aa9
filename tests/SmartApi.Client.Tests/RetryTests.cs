using System.Net;
using Microsoft.AspNetCore.Http;
using SmartApi.Contracts;
using SmartApi.Server.Tests.Webhooks;

namespace SmartApi.Client.Tests;

/// <summary>Retries against a real HTTP stub that answers 429/503, on a fake clock: nothing sleeps.</summary>
public sealed class RetryTests : IAsyncLifetime
{
    private const string Organization = """{"id":"org_01M8BQWSSN0C43SSNM7Z9ZPGRB","name":"Acme","createdAt":"2026-11-26T12:00:00Z"}""";
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(100);

    private readonly ArmedClock _clock = new();
    private WebhookReceiver _stub = null!;
    private SmartApiClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _stub = await WebhookReceiver.StartAsync();
        _client = new SmartApiClient(new SmartApiClientOptions
        {
            BaseAddress = new Uri(_stub.Url, "/"),
            ApiKey = "sk_test",
            MaxRetries = 2,
            TimeProvider = _clock,
            RequestTimeout = RequestTimeout,
        });
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _stub.DisposeAsync();
    }

    private static Func<int, HttpContext, Task> Script(params (int Status, string? RetryAfter, string Body)[] answers) => (number, context) =>
    {
        var (status, retryAfter, body) = answers[Math.Min(number, answers.Length) - 1];
        context.Response.StatusCode = status;
        context.Response.ContentType = status < 400 ? "application/json" : "application/problem+json";
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }
        return context.Response.WriteAsync(body);
    };

    private static string Problem(int status, string code) => $$"""{"type":"urn:smartapi:problem:{{code}}","title":"t","status":{{status}},"code":"{{code}}"}""";

    [Fact]
    public async Task A_GET_answered_429_waits_exactly_Retry_After_then_succeeds()
    {
        _stub.Respond = Script((429, "7", Problem(429, "rate_limited")), (200, null, Organization));
        var call = _client.Organizations.GetAsync("org_01M8BQWSSN0C43SSNM7Z9ZPGRB", Ct);

        Assert.Equal(TimeSpan.FromSeconds(7), await _clock.NextTimerAsync(RequestTimeout));
        Assert.Equal(1, _stub.Count);
        _clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal("Acme", (await call).Name);
        Assert.Equal(2, _stub.Count);
    }

    [Fact]
    public async Task A_POST_answered_503_with_a_date_is_sent_again_with_the_same_Idempotency_Key()
    {
        var retryAt = _clock.GetUtcNow().AddSeconds(4).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        _stub.Respond = Script((503, retryAt, Problem(503, "unavailable")), (201, null, Organization));
        var call = _client.Organizations.CreateAsync(new("Acme"), cancellationToken: Ct);

        Assert.Equal(TimeSpan.FromSeconds(4), await _clock.NextTimerAsync(RequestTimeout));
        _clock.Advance(TimeSpan.FromSeconds(4));
        await call;
        var first = await _stub.NextAsync();
        var second = await _stub.NextAsync();
        Assert.False(string.IsNullOrEmpty(first.Header("Idempotency-Key")));
        Assert.Equal(first.Header("Idempotency-Key"), second.Header("Idempotency-Key"));
        Assert.Equal(first.Text, second.Text);
    }

    [Fact]
    public async Task Without_Retry_After_the_delay_doubles_and_the_last_error_is_thrown()
    {
        _stub.Respond = Script((503, null, Problem(503, "unavailable")));
        var call = _client.Devices.ListPageAsync(cancellationToken: Ct);

        Assert.Equal(TimeSpan.FromMilliseconds(500), await _clock.NextTimerAsync(RequestTimeout));
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(TimeSpan.FromSeconds(1), await _clock.NextTimerAsync(RequestTimeout));
        _clock.Advance(TimeSpan.FromSeconds(1));
        var error = await Assert.ThrowsAsync<SmartApiException>(() => call);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "unavailable"), (error.StatusCode, error.Code));
        Assert.Equal(3, _stub.Count);
    }

    [Fact]
    public async Task A_PATCH_is_never_retried()
    {
        _stub.Respond = Script((503, "1", Problem(503, "unavailable")));
        var error = await Assert.ThrowsAsync<SmartApiException>(() => _client.Devices.UpdateAsync("dev_x", new(Name: "n"), Ct));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(1, _stub.Count);
    }

    [Fact]
    public async Task A_Retry_After_longer_than_the_maximum_is_not_waited_for()
    {
        _stub.Respond = Script((429, "3600", Problem(429, "rate_limited")));
        var error = await Assert.ThrowsAsync<SmartApiException>(() => _client.Events.ListPageAsync(cancellationToken: Ct));
        Assert.Equal((HttpStatusCode.TooManyRequests, "rate_limited"), (error.StatusCode, error.Code));
        Assert.Equal(1, _stub.Count);
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_a_non_problem_body_still_gives_a_code()
    {
        _stub.Respond = (_, context) =>
        {
            context.Response.StatusCode = 404;
            return context.Response.WriteAsync("<html>not here</html>");
        };
        var error = await Assert.ThrowsAsync<SmartApiException>(() => _client.Deliveries.GetAsync("dlv_x", Ct));
        Assert.Equal((HttpStatusCode.NotFound, "http_404"), (error.StatusCode, error.Code));
        Assert.Equal(1, _stub.Count);
    }

    [Fact]
    public async Task An_unreachable_server_is_retried_then_reported()
    {
        using var client = new SmartApiClient(new SmartApiClientOptions
        {
            BaseAddress = new Uri($"http://127.0.0.1:{WebhookReceiver.FreePort()}/"),
            MaxRetries = 1,
            TimeProvider = _clock,
        });
        var call = client.Organizations.ListPageAsync(cancellationToken: Ct);
        Assert.Equal(TimeSpan.FromMilliseconds(500), await _clock.NextTimerAsync(RequestTimeout));
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAsync<HttpRequestException>(() => call);
    }

    [Fact]
    public async Task Page_JSON_is_read_through_the_shared_context()
    {
        _stub.Respond = Script((200, null, $$"""{"data":[{{Organization}}],"hasMore":false,"nextCursor":null}"""));
        var all = await _client.Organizations.ListAsync(cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(new OrganizationResponse("org_01M8BQWSSN0C43SSNM7Z9ZPGRB", "Acme", new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero)), Assert.Single(all));
    }
}
