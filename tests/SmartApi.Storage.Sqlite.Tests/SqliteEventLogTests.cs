using Dapper;
using Microsoft.Data.Sqlite;

namespace SmartApi.Storage.Sqlite.Tests;

/// <summary>
/// The SQLite event log without AUTOINCREMENT and without the type index (migration 0007): positions
/// never go back, old databases upgrade without reusing one, and every query stays index-backed.
/// </summary>
public sealed class SqliteEventLogTests : SqliteFileTest
{
    [Fact]
    public async Task Prune_EveryEventOld_KeepsTheNewestSoTheNextPositionIsHigher()
    {
        await using var store = await Database.OpenAsync(Token);
        var organization = await InsertOrganizationAsync(store);
        var appended = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            appended.Add(await AppendAsync(store, organization.Id, Now));
        }
        var newest = (await store.GetEventAsync(organization.Id, appended[^1], Token))!;

        var pruned = await store.WriteAsync(tx => tx.PruneAsync(Now.AddDays(365), 500), Token);
        var next = (await store.GetEventAsync(organization.Id, await AppendAsync(store, organization.Id, Now.AddDays(366)), Token))!;

        Assert.Equal(2, pruned);
        Assert.Equal(newest, await store.GetEventAsync(organization.Id, newest.Id, Token));
        Assert.True(next.Position > newest.Position, $"position {next.Position} reused (newest was {newest.Position})");
        // A poller whose cursor is the newest event sees the new one.
        var page = await store.ListEventsAsync(organization.Id, new EventFilter(), new PageRequest(newest.Id, 10), Token);
        Assert.Equal([next.Id], page.Items.Select(e => e.Id));
    }

    [Fact]
    public async Task Migrate_DatabaseWhoseNewestEventsWereDeleted_KeepsPositionsAndNeverReusesOne()
    {
        string organizationId;
        await using (var old = await OpenAtVersionAsync(6))
        {
            organizationId = Ids.New("org");
            await old.ExecuteAsync("INSERT INTO organizations (id, name, created_at) VALUES (@organizationId, 'Acme', 0)", new { organizationId });
            for (var i = 0; i < 5; i++)
            {
                await old.ExecuteAsync(
                    "INSERT INTO events (id, organization_id, type, device_id, created_at, data) VALUES (@id, @organizationId, 'device.online', NULL, 0, '{}')",
                    new { id = Ids.New("evt"), organizationId });
            }
            // What retention before 0007 could do to an idle log: positions 4 and 5 are gone but were handed out.
            await old.ExecuteAsync("DELETE FROM events WHERE position > 3");
        }

        await using var store = await Database.OpenAsync(Token);
        var kept = await store.ListEventsAsync(organizationId, new EventFilter(), new PageRequest(null, 10), Token);
        var next = (await store.GetEventAsync(organizationId, await AppendAsync(store, organizationId, Now), Token))!;

        Assert.Equal([1L, 2L, 3L], kept.Items.Select(e => e.Position));
        Assert.Equal(6, next.Position);
        Assert.Equal(kept.Items.Select(e => e.Id).Append(next.Id), (await store.ListEventsAsync(organizationId, new EventFilter(), new PageRequest(null, 10), Token)).Items.Select(e => e.Id));
        await using var connection = new SqliteConnection(Database.ConnectionString);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_events_organization_type'"));
        // The marker of position 5 goes with retention once newer events exist.
        await store.WriteAsync(tx => tx.PruneAsync(Now.AddDays(-1), 500), Token);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM events WHERE organization_id = ''"));
    }

    public static TheoryData<string, string> EventQueries => new()
    {
        { Sql.ListEvents + Sql.OrderByPositionLimit, "ix_events_organization " },
        { Sql.ListEvents + SqliteDialect.Instance.EventTypeFilter + Sql.OrderByPositionLimit, "ix_events_organization " },
        { Sql.ListEvents + Sql.EventDeviceFilter + Sql.OrderByPositionLimit, "ix_events_organization_device " },
        { Sql.ListEvents + Sql.EventDeviceFilter + SqliteDialect.Instance.EventTypeFilter + Sql.OrderByPositionLimit, "ix_events_organization_device " },
        { Sql.ListEventsBefore + Sql.OrderByPositionDescLimit, "ix_events_organization " },
        { Sql.ListEventsBefore + SqliteDialect.Instance.EventTypeFilter + Sql.OrderByPositionDescLimit, "ix_events_organization " },
        { Sql.ListEventsBefore + Sql.EventDeviceFilter + Sql.OrderByPositionDescLimit, "ix_events_organization_device " },
        { Sql.ListEventsBefore + Sql.EventDeviceFilter + SqliteDialect.Instance.EventTypeFilter + Sql.OrderByPositionDescLimit, "ix_events_organization_device " },
        { Sql.LatestEventId, "ix_events_organization " },
        { Sql.GetEvent, "sqlite_autoindex_events_1 " },
        { Sql.EventPosition, "sqlite_autoindex_events_1 " },
        { Sql.GetEventForDelivery, "sqlite_autoindex_events_1 " },
        { Sql.GetEventsByIds, "sqlite_autoindex_events_1 " },
    };

    [Theory]
    [MemberData(nameof(EventQueries))]
    public async Task EventQueries_UseAnIndexAndNeverSortOrScanTheLog(string sql, string index)
    {
        await using (await Database.OpenAsync(Token))
        {
        }
        await using var connection = new SqliteConnection(Database.ConnectionString);
        await connection.OpenAsync(Token);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in new[] { "@org", "@id", "@ids", "@after", "@device", "@types", "@limit" }.Where(n => sql.Contains(n, StringComparison.Ordinal)))
        {
            command.Parameters.AddWithValue(name, DBNull.Value);
        }
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(Token))
        {
            while (await reader.ReadAsync(Token))
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.Contains(plan, step => step.StartsWith("SEARCH events USING ", StringComparison.Ordinal) && step.Contains(index, StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN events", StringComparison.Ordinal) || step.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    private async Task<SqliteConnection> OpenAtVersionAsync(long version)
    {
        var connection = new SqliteConnection(Database.ConnectionString);
        await connection.OpenAsync(Token);
        await connection.ExecuteAsync("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
        foreach (var (number, name, sql) in Migrator.LoadScripts().Where(s => s.Version <= version))
        {
            await connection.ExecuteAsync(sql);
            await connection.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@number, @name, 0)", new { number, name });
        }
        return connection;
    }


    private async Task<string> AppendAsync(SqliteSmartApiStore store, string organizationId, DateTimeOffset at)
    {
        var id = Ids.New("evt");
        await store.WriteAsync(async tx =>
        {
            await tx.AppendEventAsync(new NewEvent(id, organizationId, "device.online", null, at, "{}"));
            return true;
        }, Token);
        return id;
    }
}
