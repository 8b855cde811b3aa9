using System.Globalization;
using System.Text;

namespace SmartApi.Client.Tests;

/// <summary>
/// The CSV download against an export served from memory in small reads that breaks again and again: the file must
/// equal the export, whatever the read size and wherever the breaks fall (inside a row, a quoted line break or a key).
/// </summary>
public sealed class CsvDownloadTests
{
    private const string Header = "device_id,serial,ts_utc,value\r\n";
    private static readonly DateTimeOffset T0 = new(2026, 3, 29, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Rows of two devices; every fifth serial is quoted and holds a comma, a quote and a line break.</summary>
    private static List<(string Key, string Line)> Rows()
    {
        var rows = new List<(string, string)>();
        foreach (var device in new[] { "dev_a", "dev_b" })
        {
            for (var i = 0; i < 60; i++)
            {
                var ts = T0.AddMinutes(i);
                var serial = i % 5 == 0 ? "\"S,\"\"q\"\"\r\nx\"" : "S" + i.ToString(CultureInfo.InvariantCulture);
                rows.Add(($"{device}:{ts.ToUnixTimeMilliseconds()}",
                    $"{device},{serial},{ts.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'},{i}\r\n"));
            }
        }
        return rows;
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(3, 117)]
    [InlineData(7, 131)]
    [InlineData(13, 250)]
    [InlineData(64, 1000)]
    public async Task A_download_broken_every_few_bytes_and_read_in_small_pieces_equals_the_export(int readSize, int breakAfter)
    {
        var rows = Rows();
        var whole = Header + string.Concat(rows.Select(r => r.Line));
        var opened = new List<string?>();
        Task<Stream> OpenAsync(string? after, CancellationToken cancellationToken)
        {
            opened.Add(after);
            var skip = after is null ? 0 : rows.FindIndex(r => r.Key == after) + 1;
            Assert.True(after is null || skip > 0, $"unknown resume key {after}");
            var body = Encoding.UTF8.GetBytes(Header + string.Concat(rows.Skip(skip).Select(r => r.Line)));
            // Each answer breaks after breakAfter bytes (room for the header and a row), except when the rest fits.
            return Task.FromResult<Stream>(new PieceStream(body, readSize, breakAfter));
        }
        using var client = new SmartApiClient(new SmartApiClientOptions { RetryBaseDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.Zero });
        var path = Path.GetTempFileName();

        var result = await new CsvDownload(client.Exports, OpenAsync, null, path, null).RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(whole, await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal(rows.Count, result.Rows);
        Assert.Equal(((string?)"dev_b", (DateTimeOffset?)T0.AddMinutes(59)), (result.DeviceId, result.Until));
        Assert.True(opened.Count > 2, "the download broke and resumed");
        File.Delete(path);
    }

    [Fact]
    public async Task A_download_that_breaks_before_any_row_gives_up_after_ExportMaxResumes_resumes()
    {
        var opened = 0;
        Task<Stream> OpenAsync(string? after, CancellationToken cancellationToken)
        {
            opened++;
            // Breaks inside the header every time: no row ever completes.
            return Task.FromResult<Stream>(new PieceStream(Encoding.UTF8.GetBytes(Header + "dev_a,S,x,1\r\n"), 4, 10));
        }
        using var client = new SmartApiClient(new SmartApiClientOptions
        {
            RetryBaseDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.Zero, ExportMaxResumes = 2,
        });
        var path = Path.GetTempFileName();

        await Assert.ThrowsAsync<IOException>(() => new CsvDownload(client.Exports, OpenAsync, null, path, null).RunAsync(TestContext.Current.CancellationToken));

        Assert.Equal(3, opened);
        File.Delete(path);
    }

    [Fact]
    public void A_negative_ExportMaxResumes_is_refused_when_the_client_is_built()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmartApiClient(new SmartApiClientOptions { ExportMaxResumes = -1 }));
    }

    /// <summary>Serves <paramref name="body"/> at most <paramref name="readSize"/> bytes a read, then throws after <paramref name="breakAfter"/> bytes.</summary>
    private sealed class PieceStream(byte[] body, int readSize, int breakAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => body.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= breakAfter && _position < body.Length)
            {
                throw new IOException("The connection dropped (test).");
            }
            var count = Math.Min(Math.Min(readSize, buffer.Length), Math.Min(body.Length, breakAfter) - _position);
            body.AsSpan(_position, Math.Max(0, count)).CopyTo(buffer.Span);
            _position += Math.Max(0, count);
            return ValueTask.FromResult(Math.Max(0, count));
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
