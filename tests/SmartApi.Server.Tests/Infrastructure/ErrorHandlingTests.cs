using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using CsCheck;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using SmartApi.Contracts;

namespace SmartApi.Server.Tests.Infrastructure;

public sealed partial class ErrorHandlingTests(AppFixture fixture) : ServerTest(fixture)
{
    [Theory]
    [InlineData("""{"serial":""", "invalid_json")]
    [InlineData("""not json""", "invalid_json")]
    [InlineData("""[1,2]""", "invalid_json")]
    [InlineData("""{"serial":5,"name":"x"}""", "invalid_json")]
    [InlineData("""{"serial":"x","name":"y","unknown":1}""", "invalid_json")]
    [InlineData("""{"serial":"x","name":"y","tags":{"a":1}}""", "invalid_json")]
    [InlineData("""{"serial":"x","name":"y","tags":[]}""", "invalid_json")]
    [InlineData("", "invalid_body")]
    [InlineData("null", "invalid_body")]
    public async Task Malformed_bodies_are_400_problems(string body, string code)
    {
        var response = await App.Admin.PostJsonAsync("/v1/devices", body);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, code);
        Assert.DoesNotContain("SmartApi.", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_body_is_413()
    {
        var body = "{\"serial\":\"x\",\"name\":\"" + new string('a', 1024 * 1024 + 10) + "\"}";
        // Expect: 100-continue lets the server refuse on the Content-Length before the body is
        // sent; without it the answer races the upload, and the client may only see a broken pipe.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/devices") { Content = Http.Json(body) };
        request.Headers.ExpectContinue = true;
        var response = await App.Admin.SendAsync(request, Ct);
        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Wrong_content_type_is_415()
    {
        var response = await App.Admin.PostAsync("/v1/devices", new StringContent("serial=x", Encoding.UTF8, "application/x-www-form-urlencoded"), Ct);
        await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task Unknown_route_and_wrong_method_are_problems()
    {
        await (await App.Admin.GetAsync("/v1/nothing-here", Ct)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await App.Admin.PutAsync("/v1/devices", Http.Json("{}"), Ct)).ProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    private static readonly string[] Targets =
    [
        "POST /v1/devices", "PATCH /v1/devices/{device}", "POST /v1/devices/{device}/switch", "POST /v1/api-keys",
        "POST /v1/organizations", "GET /v1/events?{query}", "GET /v1/devices?{query}", "GET /v1/devices/{device}/measurements?{query}",
    ];

    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", ",", ":", "\"", "null", "true", "1e999", "-0", "\"serial\"", "\"name\"", "\"tags\"", "\"state\"",
        "\"on\"", "\"scopes\"", "\"admin\"", "\"settings\"", "\"powerOnState\"", "\"organizationId\"", "\\u0000", "é", "\uD83D",
        "limit=", "after=", "types=", "from=", "to=", "interval=", "tag=", "online=", "&", "%", "%00", "deviceId=",
        "[null]", "[[]]", "[[null]]", "null,", "{\"a\":null}", "\"actions\":[null]", "\"days\":[null]",
    ];

    [Fact]
    public async Task Random_and_mutated_requests_never_get_a_5xx()
    {
        var device = await SmartApiApplication.CreateDeviceAsync(App.Admin);
        var valid = new[]
        {
            """{"serial":"DT31-PROP","name":"Prop","model":"DT31","tags":{"a":"b"},"settings":{"powerOnState":"on"}}""",
            """{"name":"x","tags":{"a":null},"settings":{"powerOnState":"last"}}""",
            """{"state":"toggle"}""",
            """{"name":"k","scopes":["devices:read"],"organizationId":"org_01M8BQWSSN0C43SSNM7Z9ZPGRB"}""",
            "limit=5&after=evt_01M8BQWSSN0C43SSNM7Z9ZPGRB&types=device.created",
        };
        var mutated = Gen.Select(Gen.OneOfConst(valid), Gen.Int[0, 200], Gen.Int[0, 8], Gen.OneOfConst(Fragments))
            .Select((text, position, cut, fragment) =>
            {
                var at = Math.Min(position, text.Length);
                return text[..at] + fragment + text[Math.Min(text.Length, at + cut)..];
            });
        var random = Gen.OneOfConst(Fragments).Array[0, 12].Select(parts => string.Concat(parts));
        var bodies = Gen.Frequency((3, mutated), (1, random), (1, Gen.String));

        await Gen.Select(Gen.OneOfConst(Targets), bodies).SampleAsync(async (target, body) =>
        {
            var (method, path) = (target[..target.IndexOf(' ', StringComparison.Ordinal)], target[(target.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
            path = path.Replace("{device}", device.Id, StringComparison.Ordinal).Replace("{query}", body, StringComparison.Ordinal);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method != "GET")
            {
                request.Content = Http.Json(body);
            }
            HttpResponseMessage response;
            try
            {
                response = await App.Admin.SendAsync(request, Ct);
            }
            catch (UriFormatException)
            {
                return true; // the client refused to send it; nothing reached the server
            }
            var status = (int)response.StatusCode;
            if (status >= 500)
            {
                Assert.Fail($"{method} {path} with {body} answered {status}: {await response.Content.ReadAsStringAsync(Ct)}");
            }
            return status < 400 || response.Content.Headers.ContentType?.MediaType == "application/problem+json";
        }, iter: 400, threads: 1);
    }

    /// <summary>
    /// Every POST and PATCH endpoint, found in the endpoint data source so that a new one is covered
    /// without touching this test, gets bodies generated from its request contract: the right fields
    /// with plausible, hostile and wrong-kind values, nulls inside arrays, dictionaries and objects,
    /// nested arrays, unknown fields, and some text splices on top. No answer may be a 5xx, and every
    /// 4xx must be problem+json. (It found defect 5 of issue 12, <c>actions: [null]</c>, in a few hundred runs.)
    /// </summary>
    [Fact]
    public async Task Generated_bodies_for_every_POST_and_PATCH_endpoint_never_get_a_5xx()
    {
        var device = await SmartApiApplication.CreateDeviceAsync(App.Admin);
        var automation = await (await App.Admin.PostJsonAsync("/v1/automations",
            """{"name":"prop","trigger":{"events":["*"]},"actions":[{"type":"webhook","url":"https://erp.example.com/smart"}]}"""))
            .ReadAsync(SmartApiJsonContext.Default.AutomationResponse);
        var spareKey = await App.CreateApiKeyAsync(["devices:read"]);
        // An organization of its own: a generated PATCH may set any limits on it, and the admin key's
        // organization serves the other tests of this fixture.
        var (spareOrganization, _) = await App.CreateTenantAsync("devices:read");
        var ids = new Dictionary<string, string>
        {
            ["devices"] = device.Id, ["automations"] = automation.Id, ["api-keys"] = spareKey.Id,
            ["organizations"] = spareOrganization,
        };
        // The console's pages accept form posts too (Blazor's own endpoints, answered in HTML and
        // guarded by antiforgery, see SmartApi.Console.Tests); every other POST and PATCH is ours.
        var endpoints = ((IEndpointRouteBuilder)App.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>() is null)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Where(m => m is "POST" or "PATCH")
                .Select(method => (Method: method, Path: FillRoute(e.RoutePattern.RawText!.TrimEnd('/'), ids), Body: e.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType)))
            .ToArray();
        Assert.Contains(endpoints, e => e.Method == "POST" && e.Path == "/v1/automations" && e.Body == typeof(AutomationRequest));
        Assert.Contains(endpoints, e => e.Method == "PATCH" && e.Path == $"/v1/automations/{automation.Id}");
        Assert.True(endpoints.Length >= 12, string.Join(", ", endpoints.Select(e => e.Method + " " + e.Path)));

        var splices = Gen.Select(Gen.Int[0, 400], Gen.Int[0, 8], Gen.OneOfConst(Fragments));
        await Gen.Select(Gen.OneOfConst(endpoints), Gen.Int, Gen.Int[0, 4], splices)
            .SampleAsync(async (endpoint, seed, spliceChance, cut) =>
        {
            var random = new Random(seed);
            var splice = spliceChance == 0;
            var body = endpoint.Body is null
                ? "{}"
                : Generate(SmartApiJsonContext.Default.Options.GetTypeInfo(endpoint.Body), random, device.Id, 0)?.ToJsonString() ?? "null";
            if (splice)
            {
                var at = Math.Min(cut.Item1, body.Length);
                body = body[..at] + cut.Item3 + body[Math.Min(body.Length, at + cut.Item2)..];
            }
            using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Path) { Content = Http.Json(body) };
            var response = await App.Admin.SendAsync(request, Ct);
            var status = (int)response.StatusCode;
            if (status >= 500)
            {
                Assert.Fail($"{endpoint.Method} {endpoint.Path} with {body} answered {status}: {await response.Content.ReadAsStringAsync(Ct)}");
            }
            return status < 400 || response.Content.Headers.ContentType?.MediaType == "application/problem+json";
        }, iter: 800, threads: 1);
    }

    /// <summary>Route parameters: the id of a real resource where the route names one, else a well-formed unknown id.</summary>
    private static string FillRoute(string pattern, Dictionary<string, string> ids) =>
        RouteParameter().Replace(pattern, match =>
        {
            var resource = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) ?? "";
            return match.Groups[1].Value == "id" && ids.TryGetValue(resource, out var id) ? id : "x_01M8BQWSSN0C43SSNM7Z9ZPGRB";
        });

    [GeneratedRegex(@"\{(\w+)[^}]*\}")]
    private static partial Regex RouteParameter();

    private static readonly string[] Words =
    [
        "*", "", " ", "x", "webhook", "switch", "power", "time", "weekdays", "on", "off", "toggle", "last", "<", ">", "=",
        "device.created", "device.switched", "nonsense.type", "https://erp.example.com/smart", "http://127.0.0.1/", "ftp://x",
        "0 18 * * 1-5", "61 * * * *", "Europe/Zurich", "Mars/Olympus", "mon", "funday", "18:00", "25:00", "admin", "devices:read",
        "keys:manage", "org_01M8BQWSSN0C43SSNM7Z9ZPGRB", "dev_01M8BQWSSN0C43SSNM7Z9ZPGRB", "Authorization", "X-Signature",
        "2026-11-25T17:46:08Z", "2099-01-01T00:00:00Z", "not a time", "\u0000", "\uD83D", "é", new string('a', 1500),
    ];

    private static readonly JsonNode?[] Numbers = [0, 1, -1, 5, 120, 86400, int.MaxValue, int.MinValue, 0.5, 1e308, -1e308, 1e15];

    /// <summary>A JSON value for <paramref name="info"/>'s type: mostly well-shaped, sometimes null or of another kind.</summary>
    private static JsonNode? Generate(JsonTypeInfo info, Random random, string deviceId, int depth)
    {
        if (random.NextDouble() < 0.08 || depth > 6)
        {
            return random.Next(7) switch
            {
                0 or 1 => null,
                2 => new JsonArray([null, new JsonArray([null])]),
                3 => new JsonObject { ["a"] = null },
                4 => new JsonArray(),
                5 => Numbers[random.Next(Numbers.Length)]?.DeepClone(),
                _ => Words[random.Next(Words.Length)],
            };
        }
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                var obj = new JsonObject();
                foreach (var property in info.Properties)
                {
                    if (random.NextDouble() < 0.65)
                    {
                        obj[property.Name] = Generate(info.Options.GetTypeInfo(property.PropertyType), random, deviceId, depth + 1);
                    }
                }
                if (random.NextDouble() < 0.03)
                {
                    obj["unknownField"] = 1;
                }
                return obj;
            case JsonTypeInfoKind.Enumerable:
                var array = new JsonArray();
                for (var i = random.Next(4); i > 0; i--)
                {
                    array.Add(random.NextDouble() < 0.15 ? null : Generate(info.Options.GetTypeInfo(info.ElementType!), random, deviceId, depth + 1));
                }
                return array;
            case JsonTypeInfoKind.Dictionary:
                var dictionary = new JsonObject();
                for (var i = random.Next(4); i > 0; i--)
                {
                    dictionary[Words[random.Next(Words.Length)] + i] =
                        random.NextDouble() < 0.15 ? null : Generate(info.Options.GetTypeInfo(info.ElementType!), random, deviceId, depth + 1);
                }
                return dictionary;
        }
        if (type == typeof(string))
        {
            return random.Next(4) == 0 ? deviceId : Words[random.Next(Words.Length)];
        }
        if (type == typeof(bool))
        {
            return random.Next(2) == 0;
        }
        if (type.IsEnum)
        {
            var names = Enum.GetNames(type);
            return random.Next(5) == 0 ? "maybe" : JsonNamingPolicy.CamelCase.ConvertName(names[random.Next(names.Length)]);
        }
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            return random.Next(4) switch { 0 => "2026-11-25T17:46:08Z", 1 => "1970-01-01T00:00:00Z", 2 => "9999-12-31T23:59:59Z", _ => "yesterday" };
        }
        if (type.IsPrimitive || type == typeof(decimal))
        {
            return Numbers[random.Next(Numbers.Length)]?.DeepClone();
        }
        return Words[random.Next(Words.Length)];
    }
}
