using SmartApi.Contracts;

namespace SmartApi.Client;

/// <summary><c>/v1/automations</c>: triggers, conditions and webhook or switch actions.</summary>
public sealed class AutomationsClient
{
    private readonly SmartApiTransport _transport;

    internal AutomationsClient(SmartApiTransport transport) => _transport = transport;

    /// <summary>Creates an automation (<c>POST /v1/automations</c>); each webhook's signing secret is in this answer only.</summary>
    /// <param name="request">The automation.</param>
    /// <param name="idempotencyKey">The Idempotency-Key to send; a new one is generated when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<AutomationResponse> CreateAsync(AutomationRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Post, "v1/automations", request, SmartApiJsonContext.Default.AutomationRequest,
            SmartApiJsonContext.Default.AutomationResponse, idempotencyKey, cancellationToken);

    /// <summary>Gets an automation (<c>GET /v1/automations/{id}</c>).</summary>
    public Task<AutomationResponse> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync($"v1/automations/{PathSegment.Of(id)}", SmartApiJsonContext.Default.AutomationResponse, cancellationToken);

    /// <summary>One page of automations (<c>GET /v1/automations</c>).</summary>
    public Task<Page<AutomationResponse>> ListPageAsync(int? limit = null, string? after = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(new Query("v1/automations").Add("limit", limit).Add("after", after).ToString(),
            SmartApiJsonContext.Default.PageAutomationResponse, cancellationToken);

    /// <summary>Every automation, oldest first.</summary>
    public IAsyncEnumerable<AutomationResponse> ListAsync(int? pageSize = null, CancellationToken cancellationToken = default) =>
        SmartApiTransport.PagesAsync((cursor, ct) => ListPageAsync(pageSize, cursor, ct), null, cancellationToken);

    /// <summary>One page of an automation's runs, newest first (<c>GET /v1/automations/{id}/runs</c>).</summary>
    public Task<Page<AutomationRunResponse>> ListRunsPageAsync(string id, int? limit = null, string? after = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(new Query($"v1/automations/{PathSegment.Of(id)}/runs").Add("limit", limit).Add("after", after).ToString(),
            SmartApiJsonContext.Default.PageAutomationRunResponse, cancellationToken);

    /// <summary>Every run of an automation still kept, newest first: trigger, outcome, commands, deliveries and errors.</summary>
    public IAsyncEnumerable<AutomationRunResponse> ListRunsAsync(string id, int? pageSize = null, CancellationToken cancellationToken = default) =>
        SmartApiTransport.PagesAsync((cursor, ct) => ListRunsPageAsync(id, pageSize, cursor, ct), null, cancellationToken);

    /// <summary>Replaces an automation's definition (<c>PATCH /v1/automations/{id}</c>). Not retried.</summary>
    public Task<AutomationResponse> UpdateAsync(string id, AutomationRequest request, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Patch, $"v1/automations/{PathSegment.Of(id)}", request, SmartApiJsonContext.Default.AutomationRequest,
            SmartApiJsonContext.Default.AutomationResponse, null, cancellationToken);

    /// <summary>Deletes an automation (<c>DELETE /v1/automations/{id}</c>).</summary>
    public Task DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.DeleteAsync($"v1/automations/{PathSegment.Of(id)}", cancellationToken);

    /// <summary>Sends an <c>automation.test</c> event to the automation's webhooks now (<c>POST /v1/automations/{id}/test</c>).</summary>
    public Task<AutomationTestResponse> TestAsync(string id, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.PostAsync($"v1/automations/{PathSegment.Of(id)}/test", SmartApiJsonContext.Default.AutomationTestResponse, idempotencyKey, cancellationToken);

    /// <summary>Issues a new signing secret (<c>POST /v1/automations/{id}/rotate-secret</c>); the old one keeps signing for the overlap.</summary>
    public Task<RotateSecretResponse> RotateSecretAsync(string id, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.PostAsync($"v1/automations/{PathSegment.Of(id)}/rotate-secret", SmartApiJsonContext.Default.RotateSecretResponse, idempotencyKey, cancellationToken);

    /// <summary>Queues again every failed delivery of the automation since <paramref name="since"/> (<c>POST /v1/automations/{id}/recover</c>).</summary>
    public Task<RecoverResponse> RecoverAsync(string id, DateTimeOffset since, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Post, $"v1/automations/{PathSegment.Of(id)}/recover", new RecoverRequest(since), SmartApiJsonContext.Default.RecoverRequest,
            SmartApiJsonContext.Default.RecoverResponse, idempotencyKey, cancellationToken);
}
