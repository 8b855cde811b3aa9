using SmartApi.Contracts;

namespace SmartApi.Client;

/// <summary><c>/v1/devices</c>: devices, their switch commands and measurements.</summary>
public sealed class DevicesClient
{
    private readonly SmartApiTransport _transport;

    internal DevicesClient(SmartApiTransport transport) => _transport = transport;

    /// <summary>Registers a device (<c>POST /v1/devices</c>); its MQTT credentials are in this answer only.</summary>
    /// <param name="request">Serial, name, model, tags, settings.</param>
    /// <param name="idempotencyKey">The Idempotency-Key to send; a new one is generated when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<DeviceResponse> CreateAsync(CreateDeviceRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Post, "v1/devices", request, SmartApiJsonContext.Default.CreateDeviceRequest,
            SmartApiJsonContext.Default.DeviceResponse, idempotencyKey, cancellationToken);

    /// <summary>Gets a device (<c>GET /v1/devices/{id}</c>).</summary>
    public Task<DeviceResponse> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync($"v1/devices/{PathSegment.Of(id)}", SmartApiJsonContext.Default.DeviceResponse, cancellationToken);

    /// <summary>One page of devices (<c>GET /v1/devices</c>).</summary>
    /// <param name="online">Only connected (true) or disconnected (false) devices.</param>
    /// <param name="tag">Only devices with this tag: <c>key</c> or <c>key:value</c>.</param>
    /// <param name="limit">Page size, 1-500 (server default 50).</param>
    /// <param name="after">The <c>nextCursor</c> of the previous page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<Page<DeviceResponse>> ListPageAsync(bool? online = null, string? tag = null, int? limit = null, string? after = null,
        CancellationToken cancellationToken = default) =>
        _transport.GetAsync(new Query("v1/devices").Add("online", online).Add("tag", tag).Add("limit", limit).Add("after", after).ToString(),
            SmartApiJsonContext.Default.PageDeviceResponse, cancellationToken);

    /// <summary>How many devices match the filters (<c>GET /v1/devices/count</c>), counted by the server in one query.</summary>
    /// <param name="online">Count only connected (true) or disconnected (false) devices.</param>
    /// <param name="tag">Count only devices with this tag: <c>key</c> or <c>key:value</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<long> CountAsync(bool? online = null, string? tag = null, CancellationToken cancellationToken = default) =>
        (await _transport.GetAsync(new Query("v1/devices/count").Add("online", online).Add("tag", tag).ToString(),
            SmartApiJsonContext.Default.DeviceCount, cancellationToken).ConfigureAwait(false)).Count;

    /// <summary>Every device matching the filters, oldest first.</summary>
    public IAsyncEnumerable<DeviceResponse> ListAsync(bool? online = null, string? tag = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        SmartApiTransport.PagesAsync((cursor, ct) => ListPageAsync(online, tag, pageSize, cursor, ct), null, cancellationToken);

    /// <summary>Changes name, tags or settings (<c>PATCH /v1/devices/{id}</c>, merge semantics). Not retried: PATCH is not idempotent by definition.</summary>
    public Task<DeviceResponse> UpdateAsync(string id, UpdateDeviceRequest request, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Patch, $"v1/devices/{PathSegment.Of(id)}", request, SmartApiJsonContext.Default.UpdateDeviceRequest,
            SmartApiJsonContext.Default.DeviceResponse, null, cancellationToken);

    /// <summary>Deletes a device (<c>DELETE /v1/devices/{id}</c>).</summary>
    public Task DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.DeleteAsync($"v1/devices/{PathSegment.Of(id)}", cancellationToken);

    /// <summary>
    /// Erases the device's measurements and the payloads of its events and deliveries (<c>POST /v1/devices/{id}/erase</c>);
    /// answers the erasure's audit record. Safe to repeat.
    /// </summary>
    public Task<DeviceErasureResponse> EraseAsync(string id, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.PostAsync($"v1/devices/{PathSegment.Of(id)}/erase", SmartApiJsonContext.Default.DeviceErasureResponse, idempotencyKey, cancellationToken);

    /// <summary>
    /// Gives the device a new MQTT password (<c>POST /v1/devices/{id}/rotate-credentials</c>), shown
    /// only in this answer; the old password stops working.
    /// </summary>
    public Task<DeviceCredentials> RotateCredentialsAsync(string id, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.PostAsync($"v1/devices/{PathSegment.Of(id)}/rotate-credentials", SmartApiJsonContext.Default.DeviceCredentials, idempotencyKey, cancellationToken);

    /// <summary>Switches the device on, off or toggles it (<c>POST /v1/devices/{id}/switch</c>); answers the command to follow.</summary>
    public Task<CommandResponse> SwitchAsync(string id, SwitchAction state, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Post, $"v1/devices/{PathSegment.Of(id)}/switch", new SwitchRequest(state), SmartApiJsonContext.Default.SwitchRequest,
            SmartApiJsonContext.Default.CommandResponse, idempotencyKey, cancellationToken);

    /// <summary>
    /// Switches every selected device (<c>POST /v1/devices/switch</c>): one command per device, stored
    /// together as one batch. A tag that matches no device answers a batch with a null
    /// <see cref="SwitchBatchResponse.BatchId"/> and no commands.
    /// </summary>
    /// <param name="selector">A tag (<see cref="DeviceSelector.WithTag"/>) or device ids (<see cref="DeviceSelector.Ids"/>).</param>
    /// <param name="state">On, off or toggle.</param>
    /// <param name="idempotencyKey">The Idempotency-Key to send; a new one is generated when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<SwitchBatchResponse> SwitchAsync(DeviceSelector selector, SwitchAction state, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Post, "v1/devices/switch", new BulkSwitchRequest(state, selector.Tag, selector.DeviceIds),
            SmartApiJsonContext.Default.BulkSwitchRequest, SmartApiJsonContext.Default.SwitchBatchResponse, idempotencyKey, cancellationToken);

    /// <summary>A bulk switch's commands with their current status (<c>GET /v1/command-batches/{batchId}</c>).</summary>
    /// <param name="batchId">The <see cref="SwitchBatchResponse.BatchId"/> of the switch.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<SwitchBatchResponse> GetSwitchBatchAsync(string batchId, CancellationToken cancellationToken = default) =>
        _transport.GetAsync($"v1/command-batches/{PathSegment.Of(batchId)}", SmartApiJsonContext.Default.SwitchBatchResponse, cancellationToken);

    /// <summary>Gets a command of the device (<c>GET /v1/devices/{id}/commands/{commandId}</c>).</summary>
    public Task<CommandResponse> GetCommandAsync(string id, string commandId, CancellationToken cancellationToken = default) =>
        _transport.GetAsync($"v1/devices/{PathSegment.Of(id)}/commands/{PathSegment.Of(commandId)}", SmartApiJsonContext.Default.CommandResponse, cancellationToken);

    /// <summary>One page of the device's commands (<c>GET /v1/devices/{id}/commands</c>).</summary>
    public Task<Page<CommandResponse>> ListCommandsPageAsync(string id, int? limit = null, string? after = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(new Query($"v1/devices/{PathSegment.Of(id)}/commands").Add("limit", limit).Add("after", after).ToString(),
            SmartApiJsonContext.Default.PageCommandResponse, cancellationToken);

    /// <summary>Every command of the device, oldest first.</summary>
    public IAsyncEnumerable<CommandResponse> ListCommandsAsync(string id, int? pageSize = null, CancellationToken cancellationToken = default) =>
        SmartApiTransport.PagesAsync((cursor, ct) => ListCommandsPageAsync(id, pageSize, cursor, ct), null, cancellationToken);

    /// <summary>One page of measurements (<c>GET /v1/devices/{id}/measurements</c>); buckets come in one page.</summary>
    /// <param name="id">The device.</param>
    /// <param name="from">Start, inclusive (server default: 24 hours before <paramref name="to"/>).</param>
    /// <param name="to">End, exclusive (server default: now).</param>
    /// <param name="interval"><c>raw</c> (default), <c>1m</c>, <c>15m</c>, <c>1h</c> or <c>1d</c>.</param>
    /// <param name="limit">Raw points per page, 1-10000.</param>
    /// <param name="after">The <c>nextCursor</c> of the previous page of raw points.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<Page<MeasurementPoint>> ListMeasurementsPageAsync(string id, DateTimeOffset? from = null, DateTimeOffset? to = null, string? interval = null,
        int? limit = null, string? after = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(new Query($"v1/devices/{PathSegment.Of(id)}/measurements")
                .Add("from", from).Add("to", to).Add("interval", interval).Add("limit", limit).Add("after", after).ToString(),
            SmartApiJsonContext.Default.PageMeasurementPoint, cancellationToken);

    /// <summary>Every measurement point of the range, in time order.</summary>
    public IAsyncEnumerable<MeasurementPoint> ListMeasurementsAsync(string id, DateTimeOffset? from = null, DateTimeOffset? to = null, string? interval = null,
        int? pageSize = null, CancellationToken cancellationToken = default) =>
        SmartApiTransport.PagesAsync((cursor, ct) => ListMeasurementsPageAsync(id, from, to, interval, pageSize, cursor, ct), null, cancellationToken);
}
