using System.Net;
using Microsoft.Data.Sqlite;
using SmartApi.Contracts;
using static SmartApi.Server.Tests.Webhooks.WebhookTestKit;

namespace SmartApi.Server.Tests.Webhooks;

/// <summary>
/// Custom webhook headers hold receivers' credentials: stored encrypted, masked in every answer,
/// in clear only on the request the receiver gets.
/// </summary>
public sealed class CustomHeaderTests(WebhookAppFixture fixture) : IClassFixture<WebhookAppFixture>
{
    private const string Credential = "Bearer receiver-credential-7f3a9c2e";
    private SmartApiApplication App => fixture.App;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Header_values_are_masked_in_every_answer_and_reach_the_receiver_in_clear()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (organizationId, writer) = await App.CreateTenantAsync("automations:read", "automations:write", "events:read");
        var reader = App.CreateClient(await App.CreateKeyAsync(["automations:read", "events:read"], organizationId));
        var create = await writer.PostJsonAsync("/v1/automations", $$$"""
            {"name":"ERP","trigger":{"events":["automation.test"]},
             "actions":[{"type":"webhook","url":"{{{receiver.Url}}}","headers":{"Authorization":"{{{Credential}}}","X-Tenant":"acme"}}]}
            """);
        var created = await create.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var automation = System.Text.Json.JsonSerializer.Deserialize(created, SmartApiJsonContext.Default.AutomationResponse)!;
        Assert.Equal(new Dictionary<string, string> { ["Authorization"] = "***", ["X-Tenant"] = "***" }, automation.Actions[0].Headers);

        await writer.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct);
        var request = await receiver.NextAsync();
        Assert.Equal(Credential, request.Header("Authorization"));
        Assert.Equal("acme", request.Header("X-Tenant"));
        await DeliveryWhenAsync(writer, request.Header("X-Delivery-Id"), d => d.Status == "succeeded");

        var patched = await writer.PatchJsonAsync($"/v1/automations/{automation.Id}", """{"name":"ERP renamed"}""");
        var answers = new[]
        {
            created,
            await patched.Content.ReadAsStringAsync(Ct),
            await (await reader.GetAsync($"/v1/automations/{automation.Id}", Ct)).Content.ReadAsStringAsync(Ct),
            await (await reader.GetAsync("/v1/automations", Ct)).Content.ReadAsStringAsync(Ct),
            await (await reader.GetAsync($"/v1/deliveries?automationId={automation.Id}", Ct)).Content.ReadAsStringAsync(Ct),
            await (await reader.GetAsync($"/v1/deliveries/{request.Header("X-Delivery-Id")}", Ct)).Content.ReadAsStringAsync(Ct),
            await (await reader.GetAsync("/v1/events?limit=100", Ct)).Content.ReadAsStringAsync(Ct),
        };
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.All(answers, answer =>
        {
            Assert.DoesNotContain("receiver-credential", answer, StringComparison.Ordinal);
            Assert.DoesNotContain("acme", answer, StringComparison.Ordinal);
        });
        Assert.Contains("\"Authorization\":\"***\"", answers[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_database_holds_header_values_encrypted()
    {
        var (_, client) = await App.CreateTenantAsync("automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, new Uri("http://127.0.0.1:9/hook"), extra: $$$""","headers":{"Authorization":"{{{Credential}}}"}""");

        var (headers, definition) = await RawRowsAsync(App.DataDirectory, automation.Id);

        Assert.DoesNotContain("receiver-credential", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("receiver-credential", definition, StringComparison.Ordinal);
        Assert.Contains("\"Authorization\":\"enc:v1:", headers, StringComparison.Ordinal);
        Assert.Contains("\"Authorization\":\"enc:v1:", definition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_patch_that_sends_the_mask_keeps_the_stored_value_and_changes_the_others()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, client) = await App.CreateTenantAsync("automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, receiver.Url, events: "\"automation.test\"",
            extra: $$$""","headers":{"Authorization":"{{{Credential}}}","X-Tenant":"acme"}""");

        // The client edits what it read: one header changed, one added, the credential left masked.
        var patch = await client.PatchJsonAsync($"/v1/automations/{automation.Id}", $$$"""
            {"actions":[{"type":"webhook","url":"{{{receiver.Url}}}?v=2","headers":{"Authorization":"***","X-Tenant":"globex","X-New":"1"}}]}
            """);
        Assert.True(patch.StatusCode == HttpStatusCode.OK, await patch.Content.ReadAsStringAsync(Ct));
        await client.PostAsync($"/v1/automations/{automation.Id}/test", null, Ct);
        var request = await receiver.NextAsync();

        Assert.Equal(Credential, request.Header("Authorization"));
        Assert.Equal("globex", request.Header("X-Tenant"));
        Assert.Equal("1", request.Header("X-New"));
        var (headers, _) = await RawRowsAsync(App.DataDirectory, automation.Id);
        Assert.DoesNotContain("***", headers, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.2:9/hook")] // another host: the credential would go to whoever runs it
    [InlineData("https://127.0.0.1:9/hook")] // another scheme
    [InlineData("http://127.0.0.1:1/hook")] // another port
    public async Task The_mask_does_not_follow_the_webhook_to_another_origin(string url)
    {
        var (_, client) = await App.CreateTenantAsync("automations:read", "automations:write");
        var automation = await CreateAutomationAsync(client, new Uri("http://127.0.0.1:9/hook"), extra: $$$""","headers":{"Authorization":"{{{Credential}}}"}""");

        var patch = await client.PatchJsonAsync($"/v1/automations/{automation.Id}",
            $$$"""{"actions":[{"type":"webhook","url":"{{{url}}}","headers":{"Authorization":"***"}}]}""");

        var problem = await patch.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("actions[0].headers", out _), problem.ToString());
    }

    [Fact]
    public async Task The_mask_on_a_new_webhook_is_refused()
    {
        var (_, client) = await App.CreateTenantAsync("automations:read", "automations:write");
        var response = await client.PostJsonAsync("/v1/automations",
            """{"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"http://127.0.0.1:9/hook","headers":{"Authorization":"***"}}]}""");
        await response.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Theory]
    [InlineData("traceparent")]
    [InlineData("TraceState")]
    public async Task A_trace_context_header_is_refused_it_is_the_servers(string name)
    {
        var (_, client) = await App.CreateTenantAsync("automations:read", "automations:write");
        var created = await client.PostJsonAsync("/v1/automations", $$$"""
            {"name":"x","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"http://127.0.0.1:9/hook","headers":{"{{{name}}}":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}]}
            """);
        var automation = await CreateAutomationAsync(client, new Uri("http://127.0.0.1:9/hook"));
        var patched = await client.PatchJsonAsync($"/v1/automations/{automation.Id}", $$$"""
            {"actions":[{"type":"webhook","url":"http://127.0.0.1:9/hook","headers":{"{{{name}}}":"x"}}]}
            """);

        var problem = await created.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains(name, problem.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("is set by the server", problem.GetRawText(), StringComparison.Ordinal);
        await patched.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Values_stored_in_clear_by_an_earlier_version_are_encrypted_at_start_and_still_sent()
    {
        var directory = Directory.CreateTempSubdirectory("smartapi-headers-").FullName;
        try
        {
            await using var receiver = await WebhookReceiver.StartAsync();
            string automationId;
            await using (var before = await SmartApiApplication.StartAsync(AllowLoopback, directory))
            {
                automationId = (await CreateAutomationAsync(before.Admin, receiver.Url, events: "\"automation.test\"",
                    extra: ""","headers":{"Authorization":"placeholder"}""")).Id;
            }
            // What a database written before encryption looks like: the value in clear in both rows.
            await using (var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "smartapi.db")};Pooling=false"))
            {
                await connection.OpenAsync(Ct);
                var command = connection.CreateCommand();
                command.CommandText = """
                    UPDATE webhooks SET headers = '{"Authorization":"Bearer legacy-plain-9d1e"}' WHERE automation_id = $id;
                    UPDATE automations SET definition = json_set(definition, '$.actions[0].headers.Authorization', 'Bearer legacy-plain-9d1e') WHERE id = $id;
                    """;
                command.Parameters.AddWithValue("$id", automationId);
                Assert.Equal(2, await command.ExecuteNonQueryAsync(Ct));
                var (plainHeaders, plainDefinition) = await RawRowsAsync(directory, automationId);
                Assert.Contains("legacy-plain-9d1e", plainHeaders, StringComparison.Ordinal);
                Assert.Contains("legacy-plain-9d1e", plainDefinition, StringComparison.Ordinal);
            }

            await using var after = await SmartApiApplication.StartAsync(AllowLoopback, directory);

            var (headers, definition) = await RawRowsAsync(directory, automationId);
            Assert.DoesNotContain("legacy-plain", headers + definition, StringComparison.Ordinal);
            Assert.Contains("enc:v1:", headers, StringComparison.Ordinal);
            Assert.Contains("enc:v1:", definition, StringComparison.Ordinal);
            var read = await (await after.Admin.GetAsync($"/v1/automations/{automationId}", Ct)).ReadAsync(SmartApiJsonContext.Default.AutomationResponse);
            Assert.Equal("***", read.Actions[0].Headers!["Authorization"]);
            await after.Admin.PostAsync($"/v1/automations/{automationId}/test", null, Ct);
            Assert.Equal("Bearer legacy-plain-9d1e", (await receiver.NextAsync()).Header("Authorization"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The automation's webhook headers and definition as the SQLite file holds them.</summary>
    private static async Task<(string Headers, string Definition)> RawRowsAsync(string dataDirectory, string automationId)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "smartapi.db")};Mode=ReadOnly;Pooling=false");
        await connection.OpenAsync(Ct);
        var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT group_concat(headers, ' ') FROM webhooks WHERE automation_id = $id), definition FROM automations WHERE id = $id
            """;
        command.Parameters.AddWithValue("$id", automationId);
        await using var row = await command.ExecuteReaderAsync(Ct);
        Assert.True(await row.ReadAsync(Ct));
        return (row.GetString(0), row.GetString(1));
    }
}
