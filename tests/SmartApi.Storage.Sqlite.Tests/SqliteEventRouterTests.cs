using SmartApi.Storage.Compliance;

namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>The router needs no database: run once, here.</summary>
public sealed class SqliteEventRouterTests : EventRouterTests;
