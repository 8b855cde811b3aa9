using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SmartApi.Contracts;
using SmartApi.Server.Infrastructure;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// Device authentication and ACL for an external broker that asks over HTTP (EMQX's HTTP
/// authenticator and authorizer): <c>POST /mqtt/auth</c> and <c>POST /mqtt/acl</c>. Mapped only
/// with <c>SmartApi:Mqtt:BrokerAuthSecret</c>; the broker sends it in <c>X-Broker-Secret</c>. Not
/// part of the integrators' API (no API key, not in the OpenAPI document): docs/mqtt.md describes it.
/// </summary>
internal static partial class BrokerAuthApi
{
    public const string SecretHeader = "X-Broker-Secret";
    private static readonly BrokerAuthResponse Allow = new("allow");
    private static readonly BrokerAuthResponse Deny = new("deny");
    private static readonly BrokerAuthResponse Ignore = new("ignore");

    public static IEndpointRouteBuilder MapBrokerAuth(this IEndpointRouteBuilder routes)
    {
        if (routes.ServiceProvider.GetRequiredService<IOptions<MqttOptions>>().Value.BrokerAuthSecret is null)
        {
            return routes;
        }
        // Its own limit: one broker's address would exhaust the per-address anonymous one at the first reconnect storm.
        var group = routes.MapGroup("/mqtt").ExcludeFromDescription().DisableRateLimiting()
            .AddEndpointFilter(async (context, next) =>
                context.HttpContext.RequestServices.GetRequiredService<BrokerAuthLimiter>().Check(context.HttpContext) ?? await next(context));
        group.MapPost("/auth", Authenticate);
        group.MapPost("/acl", Authorize);
        return routes;
    }

    /// <summary>allow: a device's serial (as user name and client id) with its current password; deny: a device's serial otherwise; ignore: not a device.</summary>
    private static async Task<Ok<BrokerAuthResponse>> Authenticate(
        BrokerAuthRequest request, DeviceDirectory directory, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Username) || await directory.ResolveAsync(request.Username, cancellationToken) is null)
        {
            return TypedResults.Ok(Ignore);
        }
        var device = request.ClientId is null || request.ClientId == request.Username
            ? await directory.AuthenticateAsync(request.Username, request.Password, cancellationToken)
            : null;
        if (device is null)
        {
            Log.Refused(loggers.CreateLogger(typeof(BrokerAuthApi).FullName!), request.Username, request.ClientId);
        }
        return TypedResults.Ok(device is null ? Deny : Allow);
    }

    /// <summary>allow: a device's own <c>devices/{serial}/</c> topics; deny: any other topic of a device; ignore: not a device (the server's own account, say).</summary>
    private static async Task<Ok<BrokerAuthResponse>> Authorize(BrokerAclRequest request, DeviceDirectory directory, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Username) || await directory.ResolveAsync(request.Username, cancellationToken) is null)
        {
            return TypedResults.Ok(Ignore);
        }
        var own = request.Topic is { } topic && topic.StartsWith(DeviceTopics.Root + request.Username + "/", StringComparison.Ordinal)
            && (request.ClientId is null || request.ClientId == request.Username);
        return TypedResults.Ok(own ? Allow : Deny);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEvents.BrokerAuthRefused, Level = LogLevel.Warning, Message = "Broker asked about {Username} (client id {ClientId}): bad password or client id")]
        public static partial void Refused(ILogger logger, string username, string? clientId);
    }
}

/// <summary>The shared secret (compared in constant time) and the rate limit of the broker endpoints.</summary>
internal sealed class BrokerAuthLimiter(IOptions<MqttOptions> options)
{
    private readonly byte[] _secretHash = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.BrokerAuthSecret ?? ""));
    // Refilled when asked (no timer), from the wall clock as before.
    private readonly TokenBucket _limiter = new(options.Value.BrokerAuthRequestsPerSecond, options.Value.BrokerAuthRequestsPerSecond, TimeProvider.System.GetTimestamp());

    /// <summary>A problem to answer instead of the endpoint, or null to go on.</summary>
    public ProblemHttpResult? Check(HttpContext context)
    {
        if (!_limiter.TryTake(TimeProvider.System.GetTimestamp(), TimeProvider.System.TimestampFrequency))
        {
            context.Response.Headers.RetryAfter = "1";
            return Problems.Create(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests",
                $"The broker endpoints take at most {options.Value.BrokerAuthRequestsPerSecond} calls per second (SmartApi:Mqtt:BrokerAuthRequestsPerSecond).");
        }
        // Hashes of equal length, so the comparison takes the same time whatever was sent.
        var sent = SHA256.HashData(Encoding.UTF8.GetBytes(context.Request.Headers[BrokerAuthApi.SecretHeader].ToString()));
        return CryptographicOperations.FixedTimeEquals(sent, _secretHash) && options.Value.BrokerAuthSecret is not null
            ? null
            : Problems.Create(StatusCodes.Status401Unauthorized, "broker_secret_invalid", "Unauthorized",
                $"The {BrokerAuthApi.SecretHeader} header is missing or does not match SmartApi:Mqtt:BrokerAuthSecret.");
    }
}
