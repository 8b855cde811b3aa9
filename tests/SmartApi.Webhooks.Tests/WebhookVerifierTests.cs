using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace SmartApi.Webhooks.Tests;

public sealed class WebhookVerifierTests
{
    private const string Secret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private const string OtherSecret = "whsec_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=";
    private static readonly DateTimeOffset _now = new(2026, 11, 25, 17, 46, 8, TimeSpan.Zero);
    private static readonly byte[] _body = Encoding.UTF8.GetBytes("""{"id":"evt_1","type":"automation.test","data":{"automationId":"aut_1"}}""");

    private readonly FakeTimeProvider _clock = new(_now);

    private WebhookVerifier CreateVerifier(params string[] secrets) =>
        new(WebhookSecret.FromStrings(secrets), new WebhookVerifierOptions { TimeProvider = _clock });

    private static string Sign(long timestamp, params string[] secrets) =>
        new WebhookSigner(WebhookSecret.FromStrings(secrets)).CreateSignatureHeader(_body, timestamp);

    /// <summary>A few lines of HMAC written from the SPEC, sharing no code with the library.</summary>
    private static string IndependentSignature(string secret, long timestamp, string body)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var mac = hmac.ComputeHash(Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        return $"v=1;t={timestamp};sig={Convert.ToHexStringLower(mac)}";
    }

    [Fact]
    public void Verify_SignatureFromIndependentHmac_IsAccepted()
    {
        const string body = """{"name":"Kaffeemaschine ☕ Zürich"}""";
        var header = IndependentSignature(Secret, _now.ToUnixTimeSeconds(), body);

        var result = CreateVerifier(Secret).Verify(header, Encoding.UTF8.GetBytes(body));

        Assert.True(result.IsValid);
        Assert.Equal(0, result.MatchedSecretIndex);
        Assert.Equal(_now.ToUnixTimeSeconds(), result.Timestamp);
    }

    [Fact]
    public void CreateSignatureHeader_AnyBody_EqualsIndependentHmac()
    {
        const string body = "Kaffeemaschine ☕ Zürich";
        var header = new WebhookSigner(new WebhookSecret(Secret)).CreateSignatureHeader(Encoding.UTF8.GetBytes(body), 1764092768);

        Assert.Equal(IndependentSignature(Secret, 1764092768, body), header);
    }

    [Fact]
    public void CreateSignatureHeader_NoTimestamp_UsesTheSignersClock()
    {
        var header = new WebhookSigner([new WebhookSecret(Secret)], _clock).CreateSignatureHeader(_body);

        Assert.StartsWith($"v=1;t={_now.ToUnixTimeSeconds()};sig=", header, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Verify_NoHeader_IsMissingHeader(string? header)
    {
        var result = CreateVerifier(Secret).Verify(header, _body);

        Assert.False(result.IsValid);
        Assert.Equal(WebhookVerificationFailure.MissingHeader, result.Failure);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("t=1764092768;sig=00")]
    [InlineData("v=1;sig=e64e0fecae87f570c63e2c53dad0cf66bacc807f4f49703db1b23ce0342fd2a0")]
    [InlineData("v=1;t=1764092768")]
    [InlineData("v=1;t=abc;sig=e64e0fecae87f570c63e2c53dad0cf66bacc807f4f49703db1b23ce0342fd2a0")]
    [InlineData("v=1;t=-5;sig=e64e0fecae87f570c63e2c53dad0cf66bacc807f4f49703db1b23ce0342fd2a0")]
    [InlineData("v=1;t=1764092768;sig=xyz")]
    [InlineData("v=1;t=1764092768;sig=e64e0fecae87f570c63e2c53dad0cf66bacc807f4f49703db1b23ce0342fd2a")]
    [InlineData("v=1;t=1764092768;sig=g64e0fecae87f570c63e2c53dad0cf66bacc807f4f49703db1b23ce0342fd2a0")]
    [InlineData("v=1;t=1764092768;t=1764092768;sig=e64e0fecae87f570c63e2c53dad0cf66bacc807f4f49703db1b23ce0342fd2a0")]
    [InlineData("v=1;=x;t=1764092768;sig=e64e0fecae87f570c63e2c53dad0cf66bacc807f4f49703db1b23ce0342fd2a0")]
    public void Verify_MalformedHeader_IsMalformedHeader(string header)
    {
        Assert.Equal(WebhookVerificationFailure.MalformedHeader, CreateVerifier(Secret).Verify(header, _body).Failure);
    }

    [Fact]
    public void Verify_MoreSignaturesThanTheLimit_IsMalformedHeader()
    {
        var sig = ";sig=" + new string('a', 64);
        var header = $"v=1;t={_now.ToUnixTimeSeconds()}" + string.Concat(Enumerable.Repeat(sig, WebhookVerifier.MaxSignatures + 1));

        Assert.Equal(WebhookVerificationFailure.MalformedHeader, CreateVerifier(Secret).Verify(header, _body).Failure);
    }

    [Theory]
    [InlineData("v=2;t=1764092768;sig=abc")]
    [InlineData("v=0;t=1764092768;sig=e64e0fecae87f570c63e2c53dad0cf66bacc807f4f49703db1b23ce0342fd2a0")]
    public void Verify_OtherVersion_IsUnsupportedVersion(string header)
    {
        Assert.Equal(WebhookVerificationFailure.UnsupportedVersion, CreateVerifier(Secret).Verify(header, _body).Failure);
    }

    [Fact]
    public void Verify_TimestampJustOutsideDefaultTolerance_IsTooOld()
    {
        var t = _now.ToUnixTimeSeconds() - 301;

        var result = CreateVerifier(Secret).Verify(Sign(t, Secret), _body);

        Assert.Equal(WebhookVerificationFailure.TimestampTooOld, result.Failure);
        Assert.Equal(t, result.Timestamp);
    }

    [Fact]
    public void Verify_TimestampJustOutsideDefaultToleranceAhead_IsInFuture()
    {
        var result = CreateVerifier(Secret).Verify(Sign(_now.ToUnixTimeSeconds() + 301, Secret), _body);

        Assert.Equal(WebhookVerificationFailure.TimestampInFuture, result.Failure);
    }

    [Theory]
    [InlineData(-300)]
    [InlineData(300)]
    [InlineData(0)]
    public void Verify_TimestampAtEdgeOfTolerance_IsAccepted(int offsetSeconds)
    {
        Assert.True(CreateVerifier(Secret).Verify(Sign(_now.ToUnixTimeSeconds() + offsetSeconds, Secret), _body).IsValid);
    }

    [Fact]
    public void Verify_ClockMovesOn_SameRequestBecomesTooOld()
    {
        var verifier = CreateVerifier(Secret);
        var header = Sign(_now.ToUnixTimeSeconds(), Secret);
        Assert.True(verifier.Verify(header, _body).IsValid);

        _clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        Assert.Equal(WebhookVerificationFailure.TimestampTooOld, verifier.Verify(header, _body).Failure);
    }

    [Fact]
    public void Verify_CustomTolerance_IsApplied()
    {
        var verifier = new WebhookVerifier(new WebhookSecret(Secret), new WebhookVerifierOptions
        {
            TimeProvider = _clock,
            Tolerance = TimeSpan.FromSeconds(30),
        });

        Assert.True(verifier.Verify(Sign(_now.ToUnixTimeSeconds() - 30, Secret), _body).IsValid);
        Assert.Equal(WebhookVerificationFailure.TimestampTooOld, verifier.Verify(Sign(_now.ToUnixTimeSeconds() - 31, Secret), _body).Failure);
        Assert.Equal(WebhookVerificationFailure.TimestampInFuture, verifier.Verify(Sign(_now.ToUnixTimeSeconds() + 31, Secret), _body).Failure);
    }

    [Fact]
    public void Constructor_NegativeTolerance_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new WebhookVerifier(new WebhookSecret(Secret), new WebhookVerifierOptions { Tolerance = TimeSpan.FromSeconds(-1) }));
    }

    [Fact]
    public void Verify_WrongSecret_IsNoMatchingSignature()
    {
        var result = CreateVerifier(OtherSecret).Verify(Sign(_now.ToUnixTimeSeconds(), Secret), _body);

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, result.Failure);
        Assert.Equal(-1, result.MatchedSecretIndex);
    }

    [Fact]
    public void Verify_BodyChangedByOneByte_IsNoMatchingSignature()
    {
        var header = Sign(_now.ToUnixTimeSeconds(), Secret);
        var tampered = (byte[])_body.Clone();
        tampered[^2] ^= 1;

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, CreateVerifier(Secret).Verify(header, tampered).Failure);
    }

    [Fact]
    public void Verify_TimestampChanged_IsNoMatchingSignature()
    {
        var t = _now.ToUnixTimeSeconds();
        var header = Sign(t, Secret).Replace($"t={t}", $"t={t - 1}", StringComparison.Ordinal);

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, CreateVerifier(Secret).Verify(header, _body).Failure);
    }

    [Fact]
    public void Verify_RotationHeaderWithTwoSignatures_IsAcceptedByOldOrNewSecret()
    {
        var header = Sign(_now.ToUnixTimeSeconds(), Secret, OtherSecret);

        Assert.Equal(2, header.Split(";sig=").Length - 1);
        Assert.True(CreateVerifier(Secret).Verify(header, _body).IsValid);
        Assert.True(CreateVerifier(OtherSecret).Verify(header, _body).IsValid);
    }

    [Fact]
    public void Verify_ReceiverHoldsTwoSecrets_ReportsWhichOneMatched()
    {
        var verifier = CreateVerifier(Secret, OtherSecret);

        Assert.Equal(1, verifier.Verify(Sign(_now.ToUnixTimeSeconds(), OtherSecret), _body).MatchedSecretIndex);
        Assert.Equal(0, verifier.Verify(Sign(_now.ToUnixTimeSeconds(), Secret), _body).MatchedSecretIndex);
    }

    [Fact]
    public void Verify_UnknownPartsSpacesAndUpperCaseHex_AreTolerated()
    {
        var header = Sign(_now.ToUnixTimeSeconds(), Secret);
        var sig = header[(header.IndexOf("sig=", StringComparison.Ordinal) + 4)..];
        var lenient = $" v=1 ; t={_now.ToUnixTimeSeconds()} ; future=x ;; sig={sig.ToUpperInvariant()} ;";

        Assert.True(CreateVerifier(Secret).Verify(lenient, _body).IsValid);
    }

    [Fact]
    public void Verify_SpanOverload_AgreesWithStringOverload()
    {
        var header = Sign(_now.ToUnixTimeSeconds(), Secret);

        Assert.Equal(CreateVerifier(Secret).Verify(header, _body), CreateVerifier(Secret).Verify(header.AsSpan(), _body));
    }

    [Fact]
    public void TryWriteSignatureHeader_ShortDestination_ReturnsFalse()
    {
        var signer = new WebhookSigner(new WebhookSecret(Secret));
        var length = signer.GetSignatureHeaderLength(1764092768);

        Assert.False(signer.TryWriteSignatureHeader(_body, 1764092768, new char[length - 1], out var written));
        Assert.Equal(0, written);
        Assert.True(signer.TryWriteSignatureHeader(_body, 1764092768, new char[length], out written));
        Assert.Equal(length, written);
    }

    [Fact]
    public void Describe_EveryFailure_HasASentence()
    {
        foreach (var failure in Enum.GetValues<WebhookVerificationFailure>())
        {
            Assert.EndsWith(".", WebhookVerificationResult.Describe(failure), StringComparison.Ordinal);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => WebhookVerificationResult.Fail(WebhookVerificationFailure.None));
    }
}
