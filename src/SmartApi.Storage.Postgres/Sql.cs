namespace SmartApi.Storage.Postgres;

/// <summary>Every SQL statement of the PostgreSQL provider's data model, in one place.</summary>
internal abstract partial class Sql : RelationalSql
{
    // A batch's appends (BatchConnection.FlushAsync), routed in C# (EventRouter), are written by one
    // statement. In order: the device rows, locked in id order (l) and moved
    // on by their events without a reserved sequence (s); each event's sequence (q: a reserved one,
    // or the next ones in append order); the positions (p: the event log row, locked after the
    // device rows as in every write, and held to the commit: that is the gap-free cursor); the
    // events; their deliveries (the outbox; leased to this node's engine when it takes them, see
    // IDeliveryLeaseSource) and runs, with ids made in C#. Each step's condition reads the step
    // before, which is what orders data-modifying CTEs. It returns the events whose deliveries were
    // leased and, read in the same statement (so current: the engine reads failing_since), their webhooks,
    // which the engine gets with them.
    public const string WriteAppends =
        "WITH i AS (SELECT * FROM unnest(@events::text[], @orgs::text[], @types::text[], @devices::text[], @ats::bigint[], @heads::text[], @tails::text[], @reserved::bigint[], @traces::text[]) " +
        "WITH ORDINALITY AS i(id, org, type, device, at, head, tail, reserved, trace, n)), " +
        "c AS (SELECT device, count(*) AS k FROM i WHERE device IS NOT NULL AND reserved IS NULL GROUP BY device), " +
        "l AS (SELECT id FROM devices WHERE id IN (SELECT device FROM c) ORDER BY id FOR UPDATE), " +
        "s AS (UPDATE devices d SET sequence = d.sequence + c.k FROM c WHERE d.id = c.device AND (SELECT count(*) FROM l) >= 0 RETURNING d.id, d.sequence - c.k AS base), " +
        "q AS (SELECT i.n, COALESCE(i.reserved, s.base + row_number() OVER (PARTITION BY i.device, i.reserved IS NULL ORDER BY i.n)) AS sequence " +
        "FROM i LEFT JOIN s ON s.id = i.device), " +
        "p AS (UPDATE event_log SET position = position + (SELECT count(*) FROM i) WHERE id = 1 AND (SELECT count(*) FROM q) >= 0 " +
        "RETURNING position - (SELECT count(*) FROM i) AS base), " +
        "e AS (INSERT INTO events (position, id, organization_id, type, device_id, created_at, data, trace_parent) " +
        "SELECT p.base + i.n, i.id, i.org, i.type, i.device, i.at, i.head || COALESCE(',\"sequence\":' || q.sequence, '') || i.tail, i.trace " +
        "FROM i JOIN q ON q.n = i.n CROSS JOIN p RETURNING id, position, data), " +
        "d AS (INSERT INTO deliveries (id, organization_id, automation_id, webhook_id, event_id, event_position, event_type, device_id, ordering_key, status, " +
        "next_attempt_at, lease_owner, lease_expires_at, created_at, updated_at) " +
        "SELECT x.id, i.org, x.automation_id, x.webhook_id, i.id, p.base + i.n, i.type, i.device, " +
        "CASE WHEN x.ordered THEN x.webhook_id || ':' || COALESCE(i.device, '') END, 'pending', i.at, x.lease_owner, x.lease_until, i.at, i.at " +
        "FROM unnest(@deliveryIds::text[], @deliveryEvents::bigint[], @deliveryWebhooks::text[], @deliveryAutomations::text[], @deliveryOrdered::boolean[], " +
        "@deliveryLeaseOwners::text[], @deliveryLeaseUntil::bigint[]) AS x(id, n, webhook_id, automation_id, ordered, lease_owner, lease_until) " +
        "JOIN i ON i.n = x.n CROSS JOIN p), " +
        "r AS (INSERT INTO automation_runs (id, organization_id, automation_id, status, trigger_type, event_id, trigger_json, triggered_at, created_at) " +
        "SELECT y.id, i.org, y.automation_id, 'pending', 'event', i.id, '{}', i.at, i.at " +
        "FROM unnest(@runIds::text[], @runEvents::bigint[], @runAutomations::text[]) AS y(id, n, automation_id) JOIN i ON i.n = y.n) " +
        "SELECT e.id AS event_id, e.position, e.data, NULL AS id, NULL AS organization_id, NULL AS automation_id, NULL::bigint AS action_index, " +
        "NULL AS url, NULL AS headers_json, NULL::boolean AS ordered, NULL::boolean AS standard_webhooks, NULL AS status, NULL AS disabled_reason, " +
        "NULL::bigint AS failing_since, NULL::bigint AS created_at FROM e WHERE e.id = ANY(@leasedEvents::text[]) " +
        "UNION ALL SELECT NULL, NULL::bigint, NULL, w.id, w.organization_id, w.automation_id, w.action_index, w.url, w.headers, " +
        "w.ordered, w.standard_webhooks, w.status, w.disabled_reason, w.failing_since, w.created_at FROM webhooks w WHERE w.id = ANY(@leasedWebhooks::text[])";

    // One statement per batch: the samples travel as arrays.
    public const string InsertMeasurements =
        InsertMeasurementsInto + "SELECT * FROM unnest(@devices, @ts, @power, @voltage, @current, @temperature, @total, @delta) ON CONFLICT (device_id, ts) DO NOTHING";
    public const string DeleteMeasurementsBefore = "DELETE FROM measurements WHERE ts < @before";

    // One statement per batch of rollup changes, like the samples; a batch holds one change per (device, slot).
    public const string AddEnergySlots =
        InsertEnergySlotsInto + "SELECT * FROM unnest(@devices, @slots, @orgs, @energy, @samples, @powerSum, @powerSeconds, @peak, @covered, @on)" + AccumulateEnergySlot;
    // Every (device, hour) a batch touched in one statement, after its slots.
    public const string RecomputeEnergyHours =
        InsertEnergyHoursInto + "SELECT s.device_id, h.hour, s.organization_id, " + SumSlotsOfHour +
        "FROM unnest(@devices, @hours) AS h(device_id, hour) JOIN energy_slots s ON s.device_id = h.device_id AND s.slot >= h.hour AND s.slot < h.hour + " +
        HourMilliseconds + " GROUP BY s.device_id, h.hour, s.organization_id" + ReplaceEnergyHour;
}
