using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SmartApi.Server.Tests;
using SmartApi.Storage;

namespace SmartApi.Cli.Tests;

public sealed class ExportTests(CliFixture fixture) : IClassFixture<CliFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 28, 0, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("csv")]
    [InlineData("parquet")]
    public async Task A_download_that_breaks_resumes_by_itself_and_ends_equal_to_an_unbroken_one(string format)
    {
        var key = await fixture.TenantKeyAsync("devices:read", "devices:write");
        var client = fixture.App.CreateClient(key);
        var a = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["site"] = "cli" });
        var b = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["site"] = "cli" });
        var store = fixture.App.Services.GetRequiredService<ISmartApiStore>();
        foreach (var device in new[] { a, b })
        {
            // Two days of minutes over the spring DST change in Zurich: about 200 KB of CSV per device.
            await store.WriteAsync(tx => tx.InsertMeasurementsAsync([.. Enumerable.Range(0, 2 * 1440).Select(i =>
                new MeasurementRow(device.Id, new Measurement(T0.AddMinutes(i), i % 500 + 0.5, 230.25, 0.5, 30, i * 0.125), 0.125))]), Ct);
        }
        var whole = Path.GetTempFileName();
        var resumed = Path.GetTempFileName();
        string[] Args(string file) => ["export", "measurements", "--from", "2026-03-28T00:00:00Z", "--to", "2026-03-30T00:00:00Z",
            "--tag", "site:cli", "--format", format, "--time-zone", "Europe/Zurich", "--output", file];
        // CSV breaks inside the first device, then inside the second; the Parquet file is smaller (compressed).
        using var breaking = new BreakingHandler(breaks: 2, afterBytes: format == "csv" ? 150_000 : 20_000);

        var first = await fixture.RunAsync(key, Args(whole));
        var second = await CliFixture.RunAsync(new CliRun(key, Url: fixture.App.BaseAddress.ToString()) { Handler = breaking }, Args(resumed));

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("resumed 2 time(s)", second.Out, StringComparison.Ordinal);
        Assert.Equal(3, breaking.Requests.Count);
        if (format == "csv")
        {
            Assert.Contains($"Wrote {2 * 2 * 1440:N0} rows", first.Out, StringComparison.Ordinal);
            // Each resumed request continues after the last complete row it had.
            Assert.All(breaking.Requests.Skip(1), uri => Assert.Contains("after=dev_", uri.Query, StringComparison.Ordinal));
        }
        Assert.Equal(await File.ReadAllBytesAsync(whole, Ct), await File.ReadAllBytesAsync(resumed, Ct));
        Assert.False(File.Exists(resumed + ".partial"));
        File.Delete(whole);
        File.Delete(resumed);
    }

    [Fact]
    public async Task An_energy_download_that_breaks_inside_rows_and_inside_a_quoted_serial_resumes_to_the_same_file()
    {
        var key = await fixture.TenantKeyAsync("devices:read", "devices:write");
        var client = fixture.App.CreateClient(key);
        var plain = await SmartApiApplication.CreateDeviceAsync(client, tags: new() { ["site"] = "cli-energy" });
        using var organization = JsonDocument.Parse(await client.GetStringAsync("/v1/organization", Ct));
        // A serial stored by an older version: CSV quotes it, line break and all, so a row holds a line feed inside quotes.
        var odd = new Device(new IdGenerator(TimeProvider.System).New("dev"), organization.RootElement.GetProperty("id").GetString()!, "A,\"B\"\r\nC", "n", "DT31",
            new Dictionary<string, string> { ["site"] = "cli-energy" }, "last", [1], false, null, "unknown", null, T0, T0);
        await fixture.App.Services.GetRequiredService<ISmartApiStore>().WriteAsync(tx => tx.InsertDeviceAsync(odd), Ct);
        var whole = Path.GetTempFileName();
        var resumed = Path.GetTempFileName();
        string[] Args(string file) => ["export", "energy", "--from", "2026-03-01T00:00:00Z", "--to", "2026-04-30T00:00:00Z", "--interval", "hour",
            "--tag", "site:cli-energy", "--time-zone", "UTC", "--output", file];
        // Two devices of 60 days of hours, about 150 bytes a row: breaks fall inside the first device's rows, then the second's.
        using var breaking = new BreakingHandler(breaks: 2, afterBytes: 97_003);

        var first = await fixture.RunAsync(key, Args(whole));
        var second = await CliFixture.RunAsync(new CliRun(key, Url: fixture.App.BaseAddress.ToString()) { Handler = breaking }, Args(resumed));

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"Wrote {2 * 60 * 24:N0} rows", first.Out, StringComparison.Ordinal);
        Assert.Contains($"Wrote {2 * 60 * 24:N0} rows", second.Out, StringComparison.Ordinal);
        Assert.Contains("resumed 2 time(s)", second.Out, StringComparison.Ordinal);
        Assert.All(breaking.Requests.Skip(1), uri => Assert.Contains("after=dev_", uri.Query, StringComparison.Ordinal));
        Assert.Contains("\"A,\"\"B\"\"\r\nC\"", await File.ReadAllTextAsync(whole, Ct), StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(whole, Ct), await File.ReadAllBytesAsync(resumed, Ct));
        File.Delete(whole);
        File.Delete(resumed);
    }

    [Fact]
    public async Task Device_and_tag_together_are_a_usage_error()
    {
        var result = await fixture.RunAsync("sk_unused", "export", "measurements", "--from", "2026-03-28T00:00:00Z", "--to", "2026-03-29T00:00:00Z",
            "--device", "dev_00000000000000000000000000", "--tag", "a:b", "--output", Path.Combine(Path.GetTempPath(), "never.csv"));

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
    }

    /// <summary>Breaks the first <c>breaks</c> export responses after <c>afterBytes</c> bytes, as a dropped connection would.</summary>
    private sealed class BreakingHandler(int breaks, int afterBytes) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _broken;

        public List<Uri> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (!request.RequestUri!.AbsolutePath.StartsWith("/v1/exports/", StringComparison.Ordinal))
            {
                return response;
            }
            Requests.Add(request.RequestUri);
            if (_broken++ >= breaks)
            {
                return response;
            }
            var content = new StreamContent(new BreakingStream(await response.Content.ReadAsStreamAsync(cancellationToken), afterBytes));
            foreach (var header in response.Content.Headers)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            response.Content = content;
            return response;
        }
    }

    private sealed class BreakingStream(Stream inner, int afterBytes) : Stream
    {
        private int _left = afterBytes;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_left <= 0)
            {
                throw new IOException("The connection dropped (test).");
            }
            var read = await inner.ReadAsync(buffer[..Math.Min(buffer.Length, _left)], cancellationToken);
            _left -= read;
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
