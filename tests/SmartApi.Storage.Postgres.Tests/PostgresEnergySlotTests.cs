using SmartApi.Storage.Compliance;

namespace SmartApi.Storage.Postgres.Tests;

public sealed class PostgresEnergySlotTests : EnergySlotComplianceTests;
