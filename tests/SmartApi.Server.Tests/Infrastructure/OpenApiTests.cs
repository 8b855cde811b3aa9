using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace SmartApi.Server.Tests.Infrastructure;

public sealed class OpenApiTests(AppFixture fixture) : ServerTest(fixture)
{
    private async Task<JsonElement> DocumentAsync()
    {
        var response = await App.CreateClient().GetAsync("/openapi/v1.json", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
    }

    [Fact]
    public async Task Every_mapped_endpoint_is_documented_with_its_responses()
    {
        var document = await DocumentAsync();
        Assert.StartsWith("3.1", document.GetProperty("openapi").GetString());
        var paths = document.GetProperty("paths");
        var endpoints = App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/v1", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (Path: e.RoutePattern.RawText!.TrimEnd('/'), Method: m)))
            .ToList();
        Assert.True(endpoints.Count >= 18, $"only {endpoints.Count} endpoints found");

        foreach (var (path, method) in endpoints)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not in the document");
            Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out var operation), $"{method} {path} is not in the document");
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("operationId").GetString()), $"{method} {path} has no operationId");
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()), $"{method} {path} has no summary");
            var responses = operation.GetProperty("responses");
            Assert.True(responses.EnumerateObject().Any(r => r.Name.StartsWith('2')), $"{method} {path} documents no success response");
            foreach (var status in new[] { "400", "401", "403" })
            {
                Assert.True(responses.TryGetProperty(status, out var problem), $"{method} {path} does not document {status}");
                Assert.True(problem.GetProperty("content").TryGetProperty("application/problem+json", out _));
            }
            Assert.True(operation.GetProperty("security").GetArrayLength() > 0, $"{method} {path} has no security requirement");
        }
    }

    [Fact]
    public async Task Document_declares_the_api_key_scheme_and_schemas()
    {
        var document = await DocumentAsync();
        var components = document.GetProperty("components");
        var scheme = components.GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        var schemas = components.GetProperty("schemas");
        foreach (var name in new[] { "DeviceResponse", "CreateDeviceRequest", "EventResponse", "ProblemDetails", "CommandResponse" })
        {
            Assert.True(schemas.TryGetProperty(name, out _), $"schema {name} is missing");
        }
        var switchState = schemas.GetProperty("SwitchState").GetProperty("enum").EnumerateArray().Select(e => e.GetString());
        Assert.Equal(["unknown", "on", "off"], switchState);
    }

    [Fact]
    public async Task Docs_are_served_locally()
    {
        var client = App.CreateClient();
        var page = await client.GetAsync("/docs/", Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.False(script.StartsWith("http", StringComparison.OrdinalIgnoreCase), $"{script} would load from the internet");
            var asset = await client.GetAsync(new Uri(page.RequestMessage!.RequestUri!, script), Ct);
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        }
    }

    [Fact]
    public async Task Health_endpoints_answer_without_a_key()
    {
        var client = App.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready", Ct)).StatusCode);
    }
}
