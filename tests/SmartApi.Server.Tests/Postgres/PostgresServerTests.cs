using SmartApi.Server.Tests.Devices;
using SmartApi.Server.Tests.Events;
using SmartApi.Server.Tests.Measurements;
using SmartApi.Server.Tests.Webhooks;

namespace SmartApi.Server.Tests.Postgres;

// A representative slice of the server tests run again with SmartApi:Storage:Provider=postgres:
// devices (writes with events and sequences), the event log, and webhook delivery end to end.

public sealed class PostgresDeviceTests(PostgresAppFixture fixture) : DeviceTests(fixture), IClassFixture<PostgresAppFixture>;

public sealed class PostgresEventTests(PostgresAppFixture fixture) : EventTests(fixture), IClassFixture<PostgresAppFixture>;

public sealed class PostgresWebhookDeliveryTests(PostgresWebhookAppFixture fixture) : WebhookDeliveryTests(fixture), IClassFixture<PostgresWebhookAppFixture>;

public sealed class PostgresEventStreamTests(PostgresAppFixture fixture) : EventStreamTests(fixture), IClassFixture<PostgresAppFixture>;

public sealed class PostgresStoredOutlierTests(PostgresAppFixture fixture) : StoredOutlierTests(fixture), IClassFixture<PostgresAppFixture>;

public sealed class PostgresBulkSwitchTests(PostgresAppFixture fixture) : BulkSwitchTests(fixture), IClassFixture<PostgresAppFixture>;
