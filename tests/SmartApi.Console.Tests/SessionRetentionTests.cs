using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Server.Infrastructure;
using SmartApi.Server.Tests;
using SmartApi.Storage;

namespace SmartApi.Console.Tests;

/// <summary>Retention deletes console and portal sessions a day after they ended, and keeps the rest.</summary>
public sealed class SessionRetentionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Retention_deletes_sessions_ended_more_than_a_day_ago_and_keeps_the_others()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await SmartApiApplication.StartAsync(configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
        var store = app.Services.GetRequiredService<ISmartApiStore>();
        var (organizationId, _) = await app.CreateTenantAsync();
        var retention = app.Services.GetRequiredService<RetentionService>();

        var ids = new IdGenerator(time);
        var start = time.GetUtcNow();
        ConsoleSession NewConsole(byte seed, TimeSpan lifetime) =>
            new(ids.New("cs"), organizationId, "key_1", Hash(seed), start, start, start + lifetime, TimeSpan.FromDays(3));
        PortalSession NewPortal(byte seed, TimeSpan lifetime) =>
            new(ids.New("ps"), organizationId, Hash(seed), ["aut_a"], null, null, "key_1", start, start + lifetime, null);
        var consoleExpired = NewConsole(1, TimeSpan.FromHours(1));
        var consoleRevoked = NewConsole(2, TimeSpan.FromDays(3));
        var consoleLive = NewConsole(3, TimeSpan.FromDays(3));
        var portalExpired = NewPortal(4, TimeSpan.FromHours(1));
        var portalRevoked = NewPortal(5, TimeSpan.FromDays(3));
        var portalRecentlyEnded = NewPortal(6, TimeSpan.FromHours(20));
        await store.WriteAsync(async tx =>
        {
            foreach (var session in new[] { consoleExpired, consoleRevoked, consoleLive })
            {
                await tx.InsertConsoleSessionAsync(session);
            }
            foreach (var session in new[] { portalExpired, portalRevoked, portalRecentlyEnded })
            {
                await tx.InsertPortalSessionAsync(session);
            }
            await tx.RevokeConsoleSessionAsync(consoleRevoked.Id, start);
            await tx.RevokePortalSessionAsync(organizationId, portalRevoked.Id, start);
            return 0;
        }, Ct);

        // Ended an hour ago: kept a day for anyone looking into a sign-in.
        time.Advance(TimeSpan.FromHours(2));
        await retention.PruneAsync(Ct);
        Assert.NotNull(await store.FindConsoleSessionByHashAsync(consoleExpired.TokenHash, Ct));
        Assert.NotNull(await store.FindPortalSessionByHashAsync(portalRevoked.TokenHash, Ct));

        // More than a day after they ended: gone; the live one and the one that ended 20 h in stay.
        time.Advance(TimeSpan.FromHours(24));
        await retention.PruneAsync(Ct);
        Assert.Null(await store.FindConsoleSessionByHashAsync(consoleExpired.TokenHash, Ct));
        Assert.Null(await store.FindConsoleSessionByHashAsync(consoleRevoked.TokenHash, Ct));
        Assert.Null(await store.FindPortalSessionByHashAsync(portalExpired.TokenHash, Ct));
        Assert.Null(await store.FindPortalSessionByHashAsync(portalRevoked.TokenHash, Ct));
        Assert.NotNull(await store.FindConsoleSessionByHashAsync(consoleLive.TokenHash, Ct));
        Assert.NotNull(await store.FindPortalSessionByHashAsync(portalRecentlyEnded.TokenHash, Ct));
    }

    private static byte[] Hash(byte seed) => Enumerable.Repeat(seed, 32).ToArray();
}
