using System.Globalization;

namespace SmartApi.Benchmarks;

/// <summary>Command-line options of the load commands.</summary>
internal sealed record LoadOptions(int Writers, int Seconds, int Devices, int Runs, int Batch, bool Direct)
{
    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions(Writers: 32, Seconds: 10, Devices: 100, Runs: 3, Batch: 512, Direct: false);
        for (var i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--writers" or "--readers" => options with { Writers = Int(args, ++i) },
                "--seconds" => options with { Seconds = Int(args, ++i) },
                "--devices" => options with { Devices = Int(args, ++i) },
                "--runs" => options with { Runs = Int(args, ++i) },
                "--batch" => options with { Batch = Int(args, ++i) },
                "--direct" => options with { Direct = true },
                var other => throw new ArgumentException($"Unknown option '{other}'."),
            };
        }
        return options;
    }

    private static int Int(string[] args, int i) =>
        i < args.Length && int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"Option '{args[i - 1]}' needs a positive integer.");
}
