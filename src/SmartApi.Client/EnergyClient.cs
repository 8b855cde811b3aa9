using SmartApi.Contracts;

namespace SmartApi.Client;

/// <summary>Energy statistics in local time: <c>/v1/devices/{id}/energy</c> and <c>/v1/energy</c>.</summary>
public sealed class EnergyClient
{
    private readonly SmartApiTransport _transport;

    internal EnergyClient(SmartApiTransport transport) => _transport = transport;

    /// <summary>A device's energy, power, on-time and cost per local bucket (<c>GET /v1/devices/{id}/energy</c>).</summary>
    /// <param name="id">The device.</param>
    /// <param name="from">Start; the first bucket is the one holding it (server default: 30 local days before <paramref name="to"/> for days).</param>
    /// <param name="to">End, exclusive (server default: now).</param>
    /// <param name="interval"><c>hour</c>, <c>day</c> (server default), <c>week</c> or <c>month</c>.</param>
    /// <param name="timeZone">An IANA time zone overriding the organization's, such as <c>Europe/Zurich</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<DeviceEnergyResponse> GetDeviceAsync(string id, DateTimeOffset? from = null, DateTimeOffset? to = null, string? interval = null,
        string? timeZone = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(new Query($"v1/devices/{PathSegment.Of(id)}/energy")
                .Add("from", from).Add("to", to).Add("interval", interval).Add("timeZone", timeZone).ToString(),
            SmartApiJsonContext.Default.DeviceEnergyResponse, cancellationToken);

    /// <summary>One page of the organization's energy, grouped by device or by a tag's value (<c>GET /v1/energy</c>).</summary>
    /// <param name="from">Start; the first bucket is the one holding it.</param>
    /// <param name="to">End, exclusive (server default: now).</param>
    /// <param name="interval"><c>hour</c>, <c>day</c> (server default), <c>week</c> or <c>month</c>.</param>
    /// <param name="timeZone">An IANA time zone overriding the organization's.</param>
    /// <param name="groupBy"><c>device</c> (server default) or <c>tag:key</c>.</param>
    /// <param name="tag">Only devices with this tag: <c>key</c> or <c>key:value</c>.</param>
    /// <param name="deviceIds">Only these devices (at most 100).</param>
    /// <param name="limit">Groups per page for <c>groupBy=device</c>, 1-500.</param>
    /// <param name="after">The <c>nextCursor</c> of the previous page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<OrganizationEnergyResponse> GetOrganizationAsync(DateTimeOffset? from = null, DateTimeOffset? to = null, string? interval = null,
        string? timeZone = null, string? groupBy = null, string? tag = null, IEnumerable<string>? deviceIds = null, int? limit = null, string? after = null,
        CancellationToken cancellationToken = default)
    {
        var query = new Query("v1/energy").Add("from", from).Add("to", to).Add("interval", interval).Add("timeZone", timeZone)
            .Add("groupBy", groupBy).Add("tag", tag);
        foreach (var deviceId in deviceIds ?? [])
        {
            query.Add("deviceId", deviceId);
        }
        return _transport.GetAsync(query.Add("limit", limit).Add("after", after).ToString(), SmartApiJsonContext.Default.OrganizationEnergyResponse, cancellationToken);
    }
}
