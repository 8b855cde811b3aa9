using SmartApi.Storage.Compliance;

namespace SmartApi.Storage.Sqlite.Tests;

public sealed class SqliteEnergySlotTests : EnergySlotComplianceTests;
