using System.Text.Json;

namespace SmartApi.Cli.Tests;

/// <summary><c>smart budgets</c> against the real server on loopback.</summary>
public sealed class BudgetCommandTests(CliFixture fixture) : CliTest(fixture)
{
    private static JsonElement Json(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Out).RootElement;
    }

    [Fact]
    public async Task Budgets_create_list_and_delete()
    {
        var key = await Fixture.TenantKeyAsync("devices:read", "devices:write");
        var created = Json(await Fixture.RunAsync(key, "budgets", "create", "--name", "Kitchen", "--tag", "room:kitchen", "--period", "month", "--energy-wh", "5000", "--cost", "2.5", "--json"));
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal(("room:kitchen", "month", 5000d, 2.5),
            (created.GetProperty("tag").GetString(), created.GetProperty("period").GetString(), created.GetProperty("energyWh").GetDouble(), created.GetProperty("cost").GetDouble()));

        var table = await Fixture.RunAsync(key, "budgets", "list");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("Kitchen", table.Out, StringComparison.Ordinal);
        Assert.Contains("room:kitchen", table.Out, StringComparison.Ordinal);
        Assert.Equal(id, Assert.Single(Json(await Fixture.RunAsync(key, "budgets", "list", "--json")).EnumerateArray()).GetProperty("id").GetString());

        Assert.Equal(0, (await Fixture.RunAsync(key, "budgets", "delete", id)).ExitCode);
        Assert.Empty(Json(await Fixture.RunAsync(key, "budgets", "list", "--json")).EnumerateArray());
        Assert.Equal(ExitCodes.NotFound, (await Fixture.RunAsync(key, "budgets", "delete", id)).ExitCode);
    }

    [Fact]
    public async Task Budgets_create_without_a_target_or_a_limit_is_a_usage_error_and_a_bad_one_is_rejected()
    {
        var key = await Fixture.TenantKeyAsync("devices:read", "devices:write");

        var noTarget = await Fixture.RunAsync(key, "budgets", "create", "--name", "B", "--energy-wh", "1");
        var noLimit = await Fixture.RunAsync(key, "budgets", "create", "--name", "B", "--tag", "a:b");
        var badTag = await Fixture.RunAsync(key, "budgets", "create", "--name", "B", "--tag", "kitchen", "--energy-wh", "1");

        Assert.Equal(ExitCodes.Usage, noTarget.ExitCode);
        Assert.Equal(ExitCodes.Usage, noLimit.ExitCode);
        Assert.Equal(ExitCodes.Rejected, badTag.ExitCode);
        Assert.Contains("tag", badTag.Error, StringComparison.Ordinal);
    }
}
