using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SmartApi.Contracts;

namespace SmartApi.Server.Tests.Infrastructure;

public sealed class IdempotencyTests(AppFixture fixture) : ServerTest(fixture)
{
    private static HttpRequestMessage Post(string path, string body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Http.Json(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return request;
    }

    [Fact]
    public async Task The_same_key_and_body_return_the_first_response_without_acting_twice()
    {
        var (organizationId, _) = await App.CreateTenantAsync("admin");
        var apiKey = await App.CreateApiKeyAsync(["devices:read", "devices:write", "events:read"], organizationId);
        var client = App.CreateClient(apiKey.Key);
        var key = Guid.NewGuid().ToString();
        const string body = """{"serial":"IDEM-1","name":"Kettle"}""";

        var first = await client.SendAsync(Post("/v1/devices", body, key), Ct);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var created = await first.ReadAsync(SmartApiJsonContext.Default.DeviceResponse);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));

        var again = await client.SendAsync(Post("/v1/devices", body, key), Ct);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        var replayed = await again.ReadAsync(SmartApiJsonContext.Default.DeviceResponse);
        Assert.Equal(created.Id, replayed.Id);
        // The replay carries the first answer whole, credentials included: the client never got them otherwise.
        Assert.Equal(created.Credentials, replayed.Credentials);

        var devices = await (await client.GetAsync("/v1/devices", Ct)).ReadAsync(SmartApiJsonContext.Default.PageDeviceResponse);
        Assert.Single(devices.Data);
        // The stored answer holds the device password, so it is encrypted at rest.
        var stored = await App.Services.GetRequiredService<Storage.ISmartApiStore>().GetIdempotencyRecordAsync(apiKey.Id, key, Ct);
        Assert.DoesNotContain(created.Credentials!.MqttPassword, System.Text.Encoding.UTF8.GetString(stored!.Body!), StringComparison.Ordinal);
        var events = await (await client.GetAsync("/v1/events", Ct)).ReadAsync(SmartApiJsonContext.Default.PageEventResponse);
        Assert.Single(events.Data);
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_422()
    {
        var key = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.Created, (await App.Admin.SendAsync(Post("/v1/organizations", """{"name":"A"}""", key), Ct)).StatusCode);
        var other = await App.Admin.SendAsync(Post("/v1/organizations", """{"name":"B"}""", key), Ct);
        await other.ProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        // The same body on another endpoint is another request too.
        var elsewhere = await App.Admin.SendAsync(Post("/v1/api-keys", """{"name":"A"}""", key), Ct);
        await elsewhere.ProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
    }

    [Fact]
    public async Task Failed_requests_are_not_kept_so_a_fixed_request_can_reuse_the_key()
    {
        var key = Guid.NewGuid().ToString();
        var invalid = await App.Admin.SendAsync(Post("/v1/devices", """{"serial":"IDEM-2"}""", key), Ct);
        await invalid.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var again = await App.Admin.SendAsync(Post("/v1/devices", """{"serial":"IDEM-2"}""", key), Ct);
        await again.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.False(again.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task Keys_are_per_organization()
    {
        var (_, first) = await App.CreateTenantAsync("devices:write");
        var (_, second) = await App.CreateTenantAsync("devices:write");
        const string key = "shared-key";
        // Organizations with a key and body in common (only the serial differs: serials are global).
        Assert.Equal(HttpStatusCode.Created, (await first.SendAsync(Post("/v1/devices", """{"serial":"S-1","name":"x"}""", key), Ct)).StatusCode);
        var other = await second.SendAsync(Post("/v1/devices", """{"serial":"S-2","name":"x"}""", key), Ct);
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.False(other.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task A_replay_is_only_for_the_key_that_sent_the_first_request()
    {
        // Defect 3 of issue 12: records were per organization, and the filter runs before the
        // handler's own checks, so a keys:manage key got the admin key's secret by repeating its request.
        var (organizationId, admin) = await App.CreateTenantAsync("admin");
        var manager = App.CreateClient(await App.CreateKeyAsync(["keys:manage"], organizationId));
        var key = Guid.NewGuid().ToString();
        const string body = """{"name":"second admin","scopes":["admin"]}""";

        var first = await admin.SendAsync(Post("/v1/api-keys", body, key), Ct);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var secret = (await first.ReadAsync(SmartApiJsonContext.Default.ApiKeyResponse)).Key!;

        // For the other key it is a fresh request, which it is not allowed to make.
        var stolen = await manager.SendAsync(Post("/v1/api-keys", body, key), Ct);
        await stolen.ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.False(stolen.Headers.Contains("Idempotent-Replayed"));
        Assert.DoesNotContain(secret, await stolen.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // The key that sent it still gets its own answer back.
        var again = await admin.SendAsync(Post("/v1/api-keys", body, key), Ct);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(secret, (await again.ReadAsync(SmartApiJsonContext.Default.ApiKeyResponse)).Key);
    }

    [Fact]
    public async Task A_revoked_key_gets_no_replay()
    {
        var (organizationId, tenantAdmin) = await App.CreateTenantAsync("admin");
        var created = await App.CreateApiKeyAsync(["keys:manage"], organizationId);
        var client = App.CreateClient(created.Key);
        var key = Guid.NewGuid().ToString();
        const string body = """{"name":"child","scopes":["keys:manage"]}""";
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Post("/v1/api-keys", body, key), Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await tenantAdmin.PostAsync($"/v1/api-keys/{created.Id}/revoke", null, Ct)).StatusCode);
        // Authentication runs before the idempotency filter: a revoked key is refused, stored answer or not.
        var replay = await client.SendAsync(Post("/v1/api-keys", body, key), Ct);
        await replay.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Two_keys_of_one_organization_use_the_same_idempotency_key_independently()
    {
        var (organizationId, first) = await App.CreateTenantAsync("devices:read", "devices:write");
        var second = App.CreateClient(await App.CreateKeyAsync(["devices:read", "devices:write"], organizationId));
        const string key = "same-key";

        var one = await first.SendAsync(Post("/v1/devices", """{"serial":"PER-KEY-1","name":"x"}""", key), Ct);
        Assert.Equal(HttpStatusCode.Created, one.StatusCode);
        // Another body under the same value is no 422 for another key: it is its own request.
        var two = await second.SendAsync(Post("/v1/devices", """{"serial":"PER-KEY-2","name":"x"}""", key), Ct);
        Assert.Equal(HttpStatusCode.Created, two.StatusCode);
        Assert.False(two.Headers.Contains("Idempotent-Replayed"));
        // From then on the value is the second key's own: the first key's body under it is another request.
        var three = await second.SendAsync(Post("/v1/devices", """{"serial":"PER-KEY-1","name":"x"}""", key), Ct);
        await three.ProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");

        var replayOne = await first.SendAsync(Post("/v1/devices", """{"serial":"PER-KEY-1","name":"x"}""", key), Ct);
        Assert.Equal("true", replayOne.Headers.GetValues("Idempotent-Replayed").Single());
        var replayTwo = await second.SendAsync(Post("/v1/devices", """{"serial":"PER-KEY-2","name":"x"}""", key), Ct);
        Assert.Equal("true", replayTwo.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.NotEqual(
            (await replayOne.ReadAsync(SmartApiJsonContext.Default.DeviceResponse)).Id,
            (await replayTwo.ReadAsync(SmartApiJsonContext.Default.DeviceResponse)).Id);
    }

    [Theory]
    [InlineData("\u0001bad")]
    public async Task Malformed_keys_are_400(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/organizations") { Content = Http.Json("""{"name":"A"}""") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        var response = await App.Admin.SendAsync(request, Ct);
        await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_long_key_is_400()
    {
        var response = await App.Admin.SendAsync(Post("/v1/organizations", """{"name":"A"}""", new string('k', 256)), Ct);
        await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_act_once()
    {
        // Organizations have no unique field, so only the key can stop a second one being created.
        var key = Guid.NewGuid().ToString();
        var name = "race " + key;
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            App.Admin.SendAsync(Post("/v1/organizations", $$"""{"name":"{{name}}"}""", key), Ct)));
        foreach (var response in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await response.ProblemAsync(HttpStatusCode.Conflict, "idempotency_key_in_progress");
        }
        var organizations = await (await App.Admin.GetAsync("/v1/organizations?limit=500", Ct)).ReadAsync(SmartApiJsonContext.Default.PageOrganizationResponse);
        Assert.Single(organizations.Data, o => o.Name == name);
    }
}
