using System.Text;
using System.Text.Json;
using SmartApi.Webhooks;

namespace SmartApi.Cli.Tests;

/// <summary>smart as a separate process, as scripts run it: exit codes and --json output.</summary>
public sealed class ProcessTests(CliFixture fixture) : CliTest(fixture)
{
    private Dictionary<string, string?> Environment(string key) => new()
    {
        ["SMART_API_KEY"] = key,
        ["SMART_URL"] = Fixture.App.BaseAddress.ToString(),
        ["SMART_CONFIG_DIR"] = Path.Combine(Path.GetTempPath(), "smart-process-" + Guid.NewGuid().ToString("N")),
    };

    [Fact]
    public async Task Json_output_and_exit_codes_of_a_real_process()
    {
        var key = await Fixture.TenantKeyAsync("devices:read", "devices:write");
        var created = await CliFixture.RunProcessAsync(Environment(key), "devices", "create", "--serial", "DT31-" + Guid.NewGuid().ToString("N")[..10], "--name", "Proc", "--json");
        Assert.True(created.ExitCode == 0, created.ToString());
        var id = JsonDocument.Parse(created.Out).RootElement.GetProperty("id").GetString();

        var list = await CliFixture.RunProcessAsync(Environment(key), "devices", "list", "--json");
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(id, Assert.Single(JsonDocument.Parse(list.Out).RootElement.EnumerateArray()).GetProperty("id").GetString());

        Assert.Equal(5, (await CliFixture.RunProcessAsync(Environment(key), "devices", "get", "dev_01M8BQWSSN0C43SSNM7Z9ZPGRB")).ExitCode);
        Assert.Equal(2, (await CliFixture.RunProcessAsync(Environment(key), "devices", "explode")).ExitCode);
        Assert.Equal(4, (await CliFixture.RunProcessAsync(Environment("sk_not_a_real_key_0123456789abcdefghij"), "devices", "list")).ExitCode);
    }

    [Fact]
    public async Task Webhooks_verify_exits_0_when_valid_and_1_with_the_reason_when_not()
    {
        var secret = WebhookSecret.GenerateString();
        var body = Encoding.UTF8.GetBytes("""{"id":"evt_1","type":"automation.test"}""");
        var header = new WebhookSigner(new WebhookSecret(secret)).CreateSignatureHeader(body);
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, body, Ct);
            var valid = await CliFixture.RunProcessAsync(Environment("unused"), "webhooks", "verify", "--secret", secret, "--header", header, "--body-file", file);
            Assert.True(valid.ExitCode == 0, valid.ToString());
            Assert.Contains("valid", valid.Out, StringComparison.Ordinal);

            await File.WriteAllTextAsync(file, """{"id":"evt_1","type":"automation.tampered"}""", Ct);
            var invalid = await CliFixture.RunProcessAsync(Environment("unused"), "webhooks", "verify", "--secret", secret, "--header", header, "--body-file", file);
            Assert.Equal(1, invalid.ExitCode);
            Assert.StartsWith("invalid: ", invalid.Error, StringComparison.Ordinal);

            var json = await CliFixture.RunProcessAsync(Environment("unused"), "webhooks", "verify", "--secret", secret, "--header", "v=1;t=1;sig=00", "--body-file", file, "--json");
            Assert.Equal(1, json.ExitCode);
            Assert.False(JsonDocument.Parse(json.Out).RootElement.GetProperty("valid").GetBoolean());

            // A negative tolerance is a mistake, not "no limit": refused before anything is checked.
            var negative = await CliFixture.RunProcessAsync(Environment("unused"), "webhooks", "verify", "--secret", secret, "--header", header, "--body-file", file, "--tolerance", "-300");
            Assert.Equal(2, negative.ExitCode);
            Assert.Contains("--tolerance must be 0 or more", negative.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
