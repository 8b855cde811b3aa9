using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartApi.Webhooks.AspNetCore;
using SmartApi.Webhooks.Events;

namespace SmartApi.Webhooks.Tests.AspNetCore;

/// <summary>A real Kestrel receiver on a loopback port, verifying requests before its handlers run.</summary>
public sealed class WebhookSignatureFilterTests : IAsyncLifetime
{
    private const string Body = """{"id":"evt_01","type":"device.switched","createdAt":"2026-11-25T17:46:08Z","organizationId":"org_01","data":{"deviceId":"dev_01","sequence":42,"state":"on","previousState":"off","source":"api","commandId":null,"name":"Kaffeemaschine ☕ Zürich"}}""";

    private readonly WebhookSecret _secret = WebhookSecret.Generate();
    private WebApplication? _app;
    private HttpClient? _client;
    private int _handlerCalls;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client => _client ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        var verifier = new WebhookVerifier(_secret);

        // Reads the verified bytes from the feature.
        _app.MapPost("/feature", (HttpContext context) =>
        {
            Interlocked.Increment(ref _handlerCalls);
            var verification = context.GetWebhookVerification()!;
            var evt = verification.GetEvent();
            return Results.Ok(new { evt.Id, evt.GetData<DeviceSwitchedData>().State, Length = verification.Body.Length });
        }).RequireWebhookSignature(verifier);

        // Binds the body as a parameter: binding runs before filters, so this needs buffering.
        _app.MapPost("/bound", (WebhookEvent evt) =>
        {
            Interlocked.Increment(ref _handlerCalls);
            return Results.Ok(new { evt.Id, evt.Type });
        }).RequireWebhookSignature(verifier);

        // Reads the raw stream again in the handler.
        _app.MapPost("/stream", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref _handlerCalls);
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            return Results.Text(await reader.ReadToEndAsync());
        }).RequireWebhookSignature(verifier, new WebhookSignatureFilterOptions { MaxBodySize = 4096 });

        _app.MapPost("/standard", () =>
        {
            Interlocked.Increment(ref _handlerCalls);
            return Results.NoContent();
        }).RequireWebhookSignature(verifier, new WebhookSignatureFilterOptions { Scheme = WebhookSignatureScheme.StandardWebhooks });

        // The filter used directly, as AddEndpointFilter would be.
        _app.MapPost("/filter", () => Results.NoContent()).AddEndpointFilter(new WebhookSignatureFilter(verifier));

        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _client = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private HttpRequestMessage Signed(string path, string body, WebhookSecret? secret = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(WebhookHeaders.Signature, new WebhookSigner(secret ?? _secret).CreateSignatureHeader(bytes));
        return request;
    }

    private static async Task<JsonElement> ReadProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    [Fact]
    public async Task Post_ValidSignature_HandlerGetsVerifiedBodyFromFeature()
    {
        using var response = await Client.SendAsync(Signed("/feature", Body), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("evt_01", json.GetProperty("id").GetString());
        Assert.Equal("on", json.GetProperty("state").GetString());
        Assert.Equal(Encoding.UTF8.GetByteCount(Body), json.GetProperty("length").GetInt32());
    }

    [Fact]
    public async Task Post_ValidSignature_HandlerWithBodyParameterStillBinds()
    {
        using var response = await Client.SendAsync(Signed("/bound", Body), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("device.switched", json.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Post_ValidSignature_HandlerCanReadTheStreamAgain()
    {
        using var response = await Client.SendAsync(Signed("/stream", Body), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Body, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Post_NoSignature_Is401ProblemWithReasonAndHandlerDoesNotRun()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/feature") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };

        using var response = await Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await ReadProblemAsync(response);
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Equal(WebhookSignatureFilter.ProblemCode, problem.GetProperty("code").GetString());
        Assert.Equal(nameof(WebhookVerificationFailure.MissingHeader), problem.GetProperty("reason").GetString());
        Assert.Equal(0, _handlerCalls);
    }

    [Theory]
    [InlineData("/feature")]
    [InlineData("/bound")]
    [InlineData("/stream")]
    [InlineData("/filter")]
    public async Task Post_WrongSecret_Is401NoMatchingSignature(string path)
    {
        using var response = await Client.SendAsync(Signed(path, Body, WebhookSecret.Generate()), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(nameof(WebhookVerificationFailure.NoMatchingSignature), (await ReadProblemAsync(response)).GetProperty("reason").GetString());
        Assert.Equal(0, _handlerCalls);
    }

    [Fact]
    public async Task Post_BodyChangedAfterSigning_Is401()
    {
        using var request = Signed("/bound", Body);
        request.Content = new StringContent(Body.Replace("\"on\"", "\"off\"", StringComparison.Ordinal), Encoding.UTF8, "application/json");

        using var response = await Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, _handlerCalls);
    }

    [Fact]
    public async Task Post_StaleTimestamp_Is401TimestampTooOld()
    {
        var bytes = Encoding.UTF8.GetBytes(Body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/feature") { Content = new ByteArrayContent(bytes) };
        var stale = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds();
        request.Headers.Add(WebhookHeaders.Signature, new WebhookSigner(_secret).CreateSignatureHeader(bytes, stale));

        using var response = await Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(nameof(WebhookVerificationFailure.TimestampTooOld), (await ReadProblemAsync(response)).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Post_BodyOverLimit_Is413()
    {
        using var response = await Client.SendAsync(Signed("/stream", new string('x', 5000)), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, _handlerCalls);
    }

    [Fact]
    public async Task Post_StandardWebhooksHeaders_AreVerifiedWhenThatSchemeIsChosen()
    {
        var bytes = Encoding.UTF8.GetBytes(Body);
        var headers = new WebhookSigner(_secret).CreateStandardWebhookHeaders("evt_01", bytes);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/standard") { Content = new ByteArrayContent(bytes) };
        request.Headers.Add(WebhookHeaders.StandardWebhookId, headers.Id);
        request.Headers.Add(WebhookHeaders.StandardWebhookTimestamp, headers.Timestamp);
        request.Headers.Add(WebhookHeaders.StandardWebhookSignature, headers.Signature);

        using var response = await Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(1, _handlerCalls);
    }

    [Fact]
    public async Task Post_XSignatureOnStandardWebhooksEndpoint_Is401MissingHeader()
    {
        using var response = await Client.SendAsync(Signed("/standard", Body), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(nameof(WebhookVerificationFailure.MissingHeader), (await ReadProblemAsync(response)).GetProperty("reason").GetString());
    }
}
