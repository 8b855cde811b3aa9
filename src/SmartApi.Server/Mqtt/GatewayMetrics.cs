using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace SmartApi.Server.Mqtt;

/// <summary>
/// Gateway metrics, exported at <c>/metrics</c>: <c>smartapi_mqtt_messages_total{kind}</c> (device
/// messages handled), <c>smartapi_mqtt_malformed_total{kind}</c> (payloads refused as malformed),
/// <c>smartapi_mqtt_refused_total{reason}</c> (<c>auth</c>, <c>acl</c>, <c>storage</c>, <c>rate</c>, <c>packet_too_large</c>,
/// <c>connect_timeout</c>) and <c>smartapi_mqtt_commands_total{outcome}</c>.
/// </summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "SmartApi.Mqtt";
    private readonly Counter<long> _messages;
    private readonly Counter<long> _malformed;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _commands;
    private long _malformedTotal;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, StrongBox<long>> _refusedTotals = new(StringComparer.Ordinal);

    public GatewayMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _messages = meter.CreateCounter<long>("smartapi.mqtt.messages", description: "Device messages handled, by topic kind.");
        _malformed = meter.CreateCounter<long>("smartapi.mqtt.malformed", description: "Device messages refused as malformed, by topic kind.");
        _refused = meter.CreateCounter<long>("smartapi.mqtt.refused", description: "Connections and publications refused (auth, acl, storage, rate, packet_too_large, connect_timeout).");
        _commands = meter.CreateCounter<long>("smartapi.mqtt.commands", description: "Commands by outcome (published, acknowledged, failed, expired).");
    }

    /// <summary>Malformed payloads since start (for tests and logs; the counter is the exported figure).</summary>
    public long MalformedTotal => Interlocked.Read(ref _malformedTotal);

    public void Message(string kind) => _messages.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Malformed(string kind)
    {
        Interlocked.Increment(ref _malformedTotal);
        _malformed.Add(1, new KeyValuePair<string, object?>("kind", kind));
    }

    public void Refused(string reason)
    {
        Interlocked.Increment(ref _refusedTotals.GetOrAdd(reason, static _ => new StrongBox<long>()).Value);
        _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>
    /// Refusals for <paramref name="reason"/> since start, counted by this host alone (for tests: test
    /// hosts in one process share the meter's name, so the exported figure mixes theirs).
    /// </summary>
    public long RefusedTotal(string reason) => _refusedTotals.TryGetValue(reason, out var total) ? Interlocked.Read(ref total.Value) : 0;

    public void Command(string outcome, int count = 1) => _commands.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
}
