using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using SmartApi.Webhooks;
using StandardWebhooks;

namespace SmartApi.Benchmarks;

/// <summary>
/// What a receiver pays to verify one signed webhook: <see cref="WebhookVerifier.Verify(string?, ReadOnlySpan{byte})"/>
/// against the bare HMAC-SHA256 of the same <c>&lt;t&gt;.&lt;body&gt;</c> bytes (the floor: parsing,
/// the time check, assembling the signed content and the constant-time compare are the overhead),
/// and against two verifiers receivers use today: the StandardWebhooks package and Stripe.net.
/// Every verifier gets a valid signature, so each run takes the accepting path.
/// </summary>
[Config(typeof(InProcessShortConfig))]
[MemoryDiagnoser]
public class WebhookVerifyBenchmarks
{
    /// <summary>
    /// 3 warm-up and 10 measured iterations, in process: generating and building a separate project
    /// per job exceeded BenchmarkDotNet's 2-minute build timeout on the shared, busy machine.
    /// </summary>
    private sealed class InProcessShortConfig : ManualConfig
    {
        public InProcessShortConfig()
        {
            AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithToolchain(InProcessEmitToolchain.Instance));
            // The machine is shared: the median resists the other sessions' bursts better than the mean.
            AddColumn(StatisticColumn.Median);
        }
    }

    // Fixed and recent, so every verifier's tolerance accepts it; Stripe.net and our verifier are
    // told this is "now", StandardWebhooks reads the real clock (its header is signed in GlobalSetup).
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private byte[] _key = [];
    private byte[] _signedContent = [];
    private byte[] _body = [];
    private string _header = "";
    private WebhookVerifier _verifier = null!;
    private string _bodyString = "";
    private StandardWebhook _standard = null!;
    private HeaderDictionary _standardHeaders = null!;
    private string _stripeHeader = "";
    private string _secret = "";
    private long _nowSeconds;
    private IncrementalHash _reusedHmac = null!;

    /// <summary>The request body size in bytes.</summary>
    [Params(256, 1024, 16 * 1024)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _secret = WebhookSecret.GenerateString();
        var secret = new WebhookSecret(_secret);
        _key = secret.SignatureKey.ToArray();
        _bodyString = MakeBody(PayloadBytes);
        _body = Encoding.UTF8.GetBytes(_bodyString);
        _nowSeconds = Now.ToUnixTimeSeconds();
        var t = _nowSeconds.ToString(CultureInfo.InvariantCulture);
        _signedContent = Encoding.UTF8.GetBytes(t + "." + _bodyString);

        // (b) Smart API: header made by the real signer, verifier on a fixed clock.
        _header = new WebhookSigner(secret).CreateSignatureHeader(_body, _nowSeconds);
        _verifier = new WebhookVerifier(secret, new WebhookVerifierOptions { TimeProvider = new FakeTimeProvider(Now) });

        // (c) StandardWebhooks: it checks against the real clock, so sign now.
        _standard = new StandardWebhook(_secret);
        var id = "evt_01JDXR4W3E5F6G7H8J9K0M1N2P";
        var signedAt = DateTimeOffset.UtcNow;
        _standardHeaders = new HeaderDictionary
        {
            ["webhook-id"] = id,
            ["webhook-timestamp"] = signedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["webhook-signature"] = _standard.Sign(id, signedAt, _bodyString),
        };

        // (d) Stripe.net: t=<t>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret's UTF-8 bytes>.
        var stripeMac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(_secret), _signedContent);
        _stripeHeader = $"t={t},v1={Convert.ToHexStringLower(stripeMac)}";

        _reusedHmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);

        // Fail the setup, not the table, if a verifier would refuse its input.
        if (!_verifier.Verify(_header, _body).IsValid)
        {
            throw new InvalidOperationException("WebhookVerifier refused the benchmark header.");
        }
        _standard.Verify(_bodyString, _standardHeaders);
        Stripe.EventUtility.ValidateSignature(_bodyString, _stripeHeader, _secret, 300, _nowSeconds);
    }

    [Benchmark(Baseline = true, Description = "bare HMACSHA256.HashData")]
    public byte[] BareHmac() => HMACSHA256.HashData(_key, _signedContent);

    /// <summary>
    /// Not a verifier: the same MAC from one keyed <see cref="IncrementalHash"/> kept across calls
    /// (per key and thread in real code), to show how much of the one-shot's cost is per-call set-up.
    /// </summary>
    [Benchmark(Description = "reused IncrementalHash HMAC")]
    public bool ReusedIncrementalHmac()
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        _reusedHmac.AppendData(_signedContent);
        return _reusedHmac.TryGetHashAndReset(mac, out _);
    }

    [Benchmark(Description = "SmartApi WebhookVerifier.Verify")]
    public bool SmartApiVerify() => _verifier.Verify(_header, _body).IsValid;

    [Benchmark(Description = "StandardWebhooks 1.1.2 Verify")]
    public bool StandardWebhooksVerify()
    {
        _standard.Verify(_bodyString, _standardHeaders);
        return true;
    }

    [Benchmark(Description = "Stripe.net 53.1.0 ValidateSignature")]
    public bool StripeVerify()
    {
        Stripe.EventUtility.ValidateSignature(_bodyString, _stripeHeader, _secret, 300, _nowSeconds);
        return true;
    }

    [GlobalCleanup]
    public void Cleanup() => _reusedHmac.Dispose();

    /// <summary>An event-envelope-like ASCII JSON body of exactly <paramref name="bytes"/> bytes.</summary>
    internal static string MakeBody(int bytes)
    {
        const string Head = """{"id":"evt_01JDXR4W3E5F6G7H8J9K0M1N2P","type":"device.updated","data":{"pad":""";
        const string Tail = "\"}}";
        var padding = bytes - Head.Length - Tail.Length;
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        var builder = new StringBuilder(bytes).Append(Head);
        for (var i = 0; i < padding; i++)
        {
            builder.Append((char)('a' + i % 26));
        }
        return builder.Append(Tail).ToString();
    }
}
