using System.Runtime.CompilerServices;
using System.Text;

namespace SmartApi.Server.Tests.Contract;

/// <summary>
/// Byte-for-byte snapshots of the public contract, kept in Contract/Snapshots next to this file.
/// A mismatch fails with the first difference; the files are rewritten only on purpose, with
/// SMARTAPI_UPDATE_SNAPSHOTS=1 (then review and commit the diff).
/// </summary>
internal static class Snapshot
{
    public const string UpdateVariable = "SMARTAPI_UPDATE_SNAPSHOTS";

    private static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    public static void Match(string name, string actual, [CallerFilePath] string sourceFile = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(sourceFile)!, "Snapshots", name);
        if (Updating)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, Encoding.UTF8.GetBytes(actual));
            return;
        }
        Assert.True(File.Exists(path),
            $"No snapshot {path}. The contract is pinned by committed files: if this is a new, deliberate part of it, run the test with {UpdateVariable}=1 and commit the file.");
        var expected = Encoding.UTF8.GetString(File.ReadAllBytes(path));
        if (expected == actual)
        {
            return;
        }
        Assert.Fail(Describe(name, path, expected, actual));
    }

    internal static string Describe(string name, string path, string expected, string actual)
    {
        var at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at])
        {
            at++;
        }
        var line = 1 + expected.AsSpan(0, at).Count('\n');
        var from = Math.Max(0, at - 80);
        return $"""
            The public contract changed: {name} differs from {path}
            first difference at character {at} (line {line}); lengths {expected.Length} (snapshot) and {actual.Length} (now).
            snapshot: ...{Excerpt(expected, from, at)}
            now:      ...{Excerpt(actual, from, at)}
            The contract must not change by a byte. If (and only if) this change is deliberate, regenerate with
            {UpdateVariable}=1 dotnet test tests/SmartApi.Server.Tests --filter "FullyQualifiedName~Contract"
            and commit the reviewed diff of {Path.GetDirectoryName(path)}.
            """;
    }

    private static string Excerpt(string text, int from, int at) =>
        from >= text.Length ? "<end>" : text[from..Math.Min(text.Length, at + 80)].ReplaceLineEndings("⏎") + (at >= text.Length ? "<end>" : "");
}
