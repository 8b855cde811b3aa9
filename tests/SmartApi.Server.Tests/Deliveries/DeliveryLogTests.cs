using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SmartApi.Contracts;
using SmartApi.Server.Tests.Webhooks;
using SmartApi.Storage;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Deliveries;

/// <summary>A server whose failing deliveries end failed within milliseconds: one retry, 10 ms later.</summary>
public sealed class FastFailureAppFixture : AppFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>(AllowLoopback)
    {
        ["SmartApi:Webhooks:RetrySchedule:0"] = "00:00:00.010",
    };
}

/// <summary>
/// The delivery log over real HTTP: the event type and time filters, newest first, the bulk retry of
/// failed deliveries (bounded, with <c>more</c>, within the caller's organization), and the request
/// headers each attempt records.
/// </summary>
public sealed class DeliveryLogTests(FastFailureAppFixture fixture) : IClassFixture<FastFailureAppFixture>
{
    private const int DeliveriesApiLimit = 1000;

    private SmartApiApplication App => fixture.App;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Every delivery matching <paramref name="query"/>, across pages.</summary>
    private static async Task<List<DeliveryResponse>> ListAsync(HttpClient client, string query)
    {
        var all = new List<DeliveryResponse>();
        string? cursor = null;
        do
        {
            var response = await client.GetAsync($"/v1/deliveries?limit=500&{query}" + (cursor is null ? "" : "&after=" + cursor), Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
            var page = await response.ReadAsync(SmartApiJsonContext.Default.PageDeliveryResponse);
            all.AddRange(page.Data);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return all;
    }

    private static async Task<List<DeliveryResponse>> WhenAllAsync(HttpClient client, string query, int count, Func<DeliveryResponse, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var deliveries = await ListAsync(client, query);
            if (deliveries.Count == count && deliveries.All(done))
            {
                return deliveries;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{query}: {deliveries.Count} deliveries, not all as expected yet.");
            await Task.Delay(20, Ct);
        }
    }

    private static async Task<RetryDeliveriesResponse> RetryAllAsync(HttpClient client, string json)
    {
        var response = await client.PostJsonAsync("/v1/deliveries/retry", json);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(Ct));
        return await response.ReadAsync(SmartApiJsonContext.Default.RetryDeliveriesResponse);
    }

    [Fact]
    public async Task Event_type_time_and_order_filters_narrow_the_list()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, client) = await App.CreateTenantAsync("devices:write", "automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, receiver.Url, events: "\"device.created\",\"automation.test\"");
        await SmartApiApplication.CreateDeviceAsync(client);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(5, Ct); // creation times are milliseconds: the two halves must not share one
        await client.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct);
        await SmartApiApplication.CreateDeviceAsync(client);
        var all = await WhenAllAsync(client, $"automationId={automation.Id}", 3, d => d.Status == "succeeded");
        var at = Uri.EscapeDataString(between.ToString("O"));

        var created = await ListAsync(client, "eventType=device.created");
        var tests = await ListAsync(client, "eventType=automation.test");
        var before = await ListAsync(client, $"to={at}");
        var after = await ListAsync(client, $"from={at}&eventType=device.created");
        var newestFirst = await ListAsync(client, "order=desc");
        var firstPage = await (await client.GetAsync("/v1/deliveries?order=desc&limit=2", Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeliveryResponse);
        var secondPage = await ListAsync(client, $"order=desc&after={firstPage.NextCursor}");

        Assert.Equal([all[0].Id, all[2].Id], created.Select(d => d.Id));
        Assert.Equal([all[1].Id], tests.Select(d => d.Id));
        Assert.Equal([all[0].Id], before.Select(d => d.Id));
        Assert.Equal([all[2].Id], after.Select(d => d.Id));
        Assert.Equal(all.Select(d => d.Id).Reverse(), newestFirst.Select(d => d.Id));
        Assert.Equal(all.Select(d => d.Id).Reverse(), firstPage.Data.Concat(secondPage).Select(d => d.Id));
    }

    [Theory]
    [InlineData("eventType=device.exploded", "eventType")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-01T00:00:00Z", "to")]
    [InlineData("from=2026-12-02T10:00:00Z&to=2026-12-02T10:00:00Z", "from")]
    [InlineData("from=2026-12-02T11:00:00Z&to=2026-12-02T10:00:00Z", "from")]
    [InlineData("order=sideways", "order")]
    public async Task Bad_filters_answer_a_validation_problem_at_the_field(string query, string field)
    {
        var (_, client) = await App.CreateTenantAsync("automations:read");

        var response = await client.GetAsync("/v1/deliveries?" + query, Ct);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("""{"automationId":"dlv_nope"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"eventType":"device.exploded"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"from":"2026-12-02T11:00:00Z","to":"2026-12-02T10:00:00Z"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"from":"yesterday"}""", HttpStatusCode.BadRequest)]
    [InlineData("""[1]""", HttpStatusCode.BadRequest)]
    public async Task A_bad_bulk_retry_answers_4xx_problem_details(string json, HttpStatusCode status)
    {
        var (_, client) = await App.CreateTenantAsync("automations:read", "automations:write");

        var response = await client.PostJsonAsync("/v1/deliveries/retry", json);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_bulk_retry_needs_automations_write()
    {
        var (_, reader) = await App.CreateTenantAsync("automations:read");

        var response = await reader.PostJsonAsync("/v1/deliveries/retry", "{}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task The_bulk_retry_queues_at_most_1000_per_call_says_when_more_remain_and_stays_in_its_organization()
    {
        const int Failed = DeliveriesApiLimit + 1;
        await using var receiver = await WebhookReceiver.StartAsync();
        var failing = true;
        receiver.Respond = (_, context) =>
        {
            context.Response.StatusCode = failing ? 500 : 200;
            return Task.CompletedTask;
        };
        var (organizationId, client) = await App.CreateTenantAsync("automations:read", "automations:write");
        var (_, other) = await App.CreateTenantAsync("automations:read", "automations:write");
        // The circuit is off: this test needs every delivery to fail, not wait behind an open circuit.
        var automation = await CreateAutomationAsync(client, receiver.Url, events: "\"device.updated\"", extra: ",\"circuitBreaker\":{\"enabled\":false}");
        var store = App.Services.GetRequiredService<ISmartApiStore>();
        var ids = App.Services.GetRequiredService<IdGenerator>();
        foreach (var chunk in Enumerable.Range(0, Failed).Chunk(200))
        {
            await store.WriteAsync(async tx =>
            {
                foreach (var _ in chunk)
                {
                    await tx.AppendEventAsync(new NewEvent(ids.New("evt"), organizationId, "device.updated", null, DateTimeOffset.UtcNow, "{}"));
                }
                return 0;
            }, Ct);
        }
        await WhenAllAsync(client, $"automationId={automation.Id}&status=failed", Failed, _ => true);

        var elsewhere = await RetryAllAsync(other, "{}");
        failing = false;
        var first = await RetryAllAsync(client, $$"""{"automationId":"{{automation.Id}}"}""");
        var second = await RetryAllAsync(client, $$"""{"automationId":"{{automation.Id}}","eventType":"device.updated"}""");
        var third = await RetryAllAsync(client, $$"""{"automationId":"{{automation.Id}}"}""");

        Assert.Equal(new RetryDeliveriesResponse(0, false), elsewhere);
        Assert.Equal(new RetryDeliveriesResponse(DeliveriesApiLimit, true), first);
        Assert.Equal(new RetryDeliveriesResponse(1, false), second);
        Assert.Equal(new RetryDeliveriesResponse(0, false), third);
        await WhenAllAsync(client, $"automationId={automation.Id}&status=succeeded", Failed, d => d.AttemptCount == 3);
    }

    [Fact]
    public async Task Each_attempt_records_the_headers_it_sent_with_custom_values_masked()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, client) = await App.CreateTenantAsync("automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, receiver.Url,
            extra: ""","standardWebhooks":true,"headers":{"Authorization":"Bearer receiver-credential"}""");
        await client.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct);
        var request = await receiver.NextAsync();

        var delivery = await DeliveryWhenAsync(client, request.Header("X-Delivery-Id"), d => d.Status == "succeeded");

        var sent = Assert.Single(delivery.Attempts!).RequestHeaders!;
        Assert.Equal(
            ["Content-Type", "Authorization", "X-Signature", "X-Event-Id", "X-Event-Type", "X-Delivery-Id", "X-Delivery-Attempt", "User-Agent",
                "webhook-id", "webhook-timestamp", "webhook-signature"],
            sent.Keys);
        Assert.Equal("***", sent["Authorization"]);
        Assert.Equal("Bearer receiver-credential", request.Header("Authorization"));
        foreach (var name in sent.Keys.Where(n => n != "Authorization"))
        {
            Assert.Equal(request.Header(name), sent[name]);
        }
    }
}
