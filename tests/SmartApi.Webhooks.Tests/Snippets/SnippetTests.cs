using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;

namespace SmartApi.Webhooks.Tests.Snippets;

/// <summary>
/// The Python, Node.js and Go receiver snippets of docs/webhooks.md, run as real processes against the
/// committed signature vectors and checked to agree with <see cref="WebhookVerifier"/>; and the code
/// blocks of the doc checked byte for byte against the snippet files, so the two cannot drift.
/// </summary>
public sealed partial class SnippetTests
{
    private const long ToleranceSeconds = 5 * 60;

    private static readonly SnippetLanguage[] Languages = [SnippetLanguage.Python, SnippetLanguage.Node, SnippetLanguage.Go];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<SnippetLanguage, string> LanguagesAndVectors =>
        [.. Languages.SelectMany(l => SignatureVector.All.Where(v => v.Scheme == SignatureVector.XSignature).Select(v => (l, v.Name)))];

    public static TheoryData<SnippetLanguage> AllLanguages => [.. Languages];

    public static TheoryData<SnippetLanguage, string> LanguagesAndHeaderCases =>
        [.. Languages.SelectMany(l => HeaderCases.Keys.Select(name => (l, name)))];

    [Theory]
    [MemberData(nameof(LanguagesAndVectors))]
    public async Task Verify_XSignatureVector_AcceptsEachSecretAndRefusesTampering(SnippetLanguage language, string name)
    {
        SkipUnlessAvailable(language);
        var vector = SignatureVector.Get(name);
        var t = vector.Timestamp;
        var header = vector.ExpectedHeader;
        var body = vector.Body;
        var otherT = header.Replace($"t={t};", $"t={t + 1};", StringComparison.Ordinal);

        var checks = new List<Task>();
        foreach (var secret in vector.Secrets)
        {
            checks.Add(AssertVerdictAsync(language, "signed now", true, secret, header, body, t));
            checks.Add(AssertVerdictAsync(language, "signed 5 minutes ago", true, secret, header, body, t + ToleranceSeconds));
            checks.Add(AssertVerdictAsync(language, "signed 5 minutes ahead", true, secret, header, body, t - ToleranceSeconds));
            checks.Add(AssertVerdictAsync(language, "too old", false, secret, header, body, t + ToleranceSeconds + 1));
            checks.Add(AssertVerdictAsync(language, "too far in the future", false, secret, header, body, t - ToleranceSeconds - 1));
            checks.Add(AssertVerdictAsync(language, "wrong secret", false, secret + "x", header, body, t));
            checks.Add(AssertVerdictAsync(language, "body with a space appended", false, secret, header, body + " ", t));
            if (body.Length > 0)
            {
                checks.Add(AssertVerdictAsync(language, "body missing its last character", false, secret, header, body[..^1], t));
            }
            checks.Add(AssertVerdictAsync(language, "timestamp changed, signature kept", false, secret, otherT, body, t));
        }
        // Independent processes: run them side by side (SnippetRunner bounds how many at once).
        await Task.WhenAll(checks);
    }

    [Theory]
    [MemberData(nameof(LanguagesAndHeaderCases))]
    public async Task Verify_HeaderShape_AgreesWithLibrary(SnippetLanguage language, string caseName)
    {
        SkipUnlessAvailable(language);
        var vector = SignatureVector.Get("device.switched envelope");
        var sig = vector.ExpectedHeader[(vector.ExpectedHeader.IndexOf("sig=", StringComparison.Ordinal) + 4)..];
        var (header, valid) = HeaderCases[caseName](vector.Timestamp, sig);

        await AssertVerdictAsync(language, caseName, valid, vector.Secrets[0], header, vector.Body, vector.Timestamp);
    }

    [Theory]
    [MemberData(nameof(AllLanguages))]
    public void Docs_CodeBlockOfSnippet_IsTheSnippetFileByteForByte(SnippetLanguage language)
    {
        var fileName = SnippetRunner.FileName(language);
        var blocks = DocCodeBlocks().Where(b => b.FileName == fileName).ToList();

        var block = Assert.Single(blocks);
        var expected = File.ReadAllBytes(Path.Combine(SnippetRunner.SnippetDirectory, fileName));
        Assert.True(
            expected.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(block.Code)),
            $"The ```{block.Info} block of docs/webhooks.md differs from tests/SmartApi.Webhooks.Tests/Snippets/{fileName}: " +
            "edit the snippet file and copy it into the doc whole.");
    }

    [Fact]
    public void Docs_EveryBlockNamingAFile_IsASnippetFile()
    {
        var blocks = DocCodeBlocks().Where(b => b.FileName is not null).ToList();

        Assert.NotEmpty(blocks);
        Assert.All(blocks, b => Assert.True(
            File.Exists(Path.Combine(SnippetRunner.SnippetDirectory, b.FileName!)),
            $"docs/webhooks.md has a ```{b.Info} block but Snippets/{b.FileName} does not exist, so nothing tests it."));
    }

    /// <summary>Header shapes beyond the vectors: (timestamp, valid sig) -> (header, whether it is valid).</summary>
    private static readonly Dictionary<string, Func<long, string, (string Header, bool Valid)>> HeaderCases = new()
    {
        ["empty header"] = (t, sig) => ("", false),
        ["version 2"] = (t, sig) => ($"v=2;t={t};sig={sig}", false),
        ["no version"] = (t, sig) => ($"t={t};sig={sig}", false),
        ["no timestamp"] = (t, sig) => ($"v=1;sig={sig}", false),
        ["no signature"] = (t, sig) => ($"v=1;t={t}", false),
        ["signed timestamp with a plus sign"] = (t, sig) => ($"v=1;t=+{t};sig={sig}", false),
        ["signature with an extra character"] = (t, sig) => ($"v=1;t={t};sig={sig}0", false),
        ["signature missing a character"] = (t, sig) => ($"v=1;t={t};sig={sig[..^1]}", false),
        ["spaces around parts"] = (t, sig) => ($" v=1 ; t={t} ;  sig={sig} ", true),
        ["matching signature second"] = (t, sig) => ($"v=1;t={t};sig={new string('0', 64)};sig={sig}", true),
        ["unknown part"] = (t, sig) => ($"v=1;t={t};x=later;sig={sig}", true),
    };

    private static void SkipUnlessAvailable(SnippetLanguage language)
    {
        // python3 and node are required (a missing one fails with a clear message); go is optional.
        if (language == SnippetLanguage.Go && SnippetRunner.Which("go") is null)
        {
            Assert.Skip("go is not installed (command -v go finds nothing), so verify.go is not run here; python3 and node are.");
        }
    }

    private static async Task AssertVerdictAsync(
        SnippetLanguage language, string what, bool expected, string secret, string header, string body, long now)
    {
        // The library is the reference: the snippet must agree with it, and both with the expectation.
        var verifier = new WebhookVerifier(
            new WebhookSecret(secret),
            new WebhookVerifierOptions { TimeProvider = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(now)) });
        var library = verifier.Verify(header, Encoding.UTF8.GetBytes(body));
        Assert.True(library.IsValid == expected, $"{what}: the library says {library.Failure}, expected valid={expected}.");

        var snippet = await SnippetRunner.VerifyAsync(language, secret, header, body, now, Ct);

        Assert.True(
            snippet.IsValid == expected,
            $"{SnippetRunner.FileName(language)}, {what}: expected {(expected ? "valid" : "invalid")}, got {snippet}");
        Assert.True(snippet.ExitCode is 0 or 1, $"{SnippetRunner.FileName(language)}, {what}: crashed: {snippet}");
    }

    private sealed record CodeBlock(string Info, string? FileName, string Code);

    /// <summary>Fenced blocks of docs/webhooks.md; the info string "python verify.py" names the file the block must equal.</summary>
    private static List<CodeBlock> DocCodeBlocks()
    {
        var path = Path.Combine(SnippetRunner.RepositoryRoot, "docs", "webhooks.md");
        var text = Encoding.UTF8.GetString(File.ReadAllBytes(path));
        var blocks = new List<CodeBlock>();
        foreach (Match match in FencedBlock().Matches(text))
        {
            var info = match.Groups["info"].Value.Trim();
            var words = info.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            blocks.Add(new CodeBlock(info, words.Length > 1 ? words[1] : null, match.Groups["code"].Value));
        }
        return blocks;
    }

    // An opening fence at the start of a line, its info string, then everything up to a closing fence line.
    [GeneratedRegex(@"^```(?<info>[^`\n]*)\n(?<code>(?:.*\n)*?)```[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex FencedBlock();
}
