namespace SmartApi.Server.Tests.Exports;

/// <summary>The export tests' CSV reader.</summary>
internal static class CsvText
{
    /// <summary>
    /// The data rows of <paramref name="csv"/>, its header checked to be <paramref name="header"/> and left out, split
    /// at commas: the tests using it write no value holding a comma, quote or line break.
    /// </summary>
    public static List<string[]> Rows(string csv, string header)
    {
        var lines = csv.Split("\r\n");
        Assert.Equal(header, lines[0]);
        Assert.Equal("", lines[^1]);
        return [.. lines[1..^1].Select(l => l.Split(','))];
    }
}
