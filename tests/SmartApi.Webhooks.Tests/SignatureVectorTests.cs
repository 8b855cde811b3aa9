using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace SmartApi.Webhooks.Tests;

public sealed class SignatureVectorTests
{
    public static TheoryData<string> XSignatureVectors => SignatureVector.Names(SignatureVector.XSignature);

    public static TheoryData<string> StandardWebhooksVectors => SignatureVector.Names(SignatureVector.StandardWebhooks);

    [Fact]
    public void Vectors_CoverNonAsciiRotationAndBothSchemes()
    {
        var all = SignatureVector.All;
        Assert.Contains(all, v => v.Body.Contains("Kaffeemaschine ☕ Zürich", StringComparison.Ordinal));
        Assert.Contains(all, v => v.Scheme == SignatureVector.XSignature && v.Secrets.Length == 2);
        Assert.Contains(all, v => v.Scheme == SignatureVector.StandardWebhooks && v.Secrets.Length == 2);
        Assert.Contains(all, v => v.Scheme == SignatureVector.StandardWebhooks && v.MsgId is not null);
    }

    [Theory]
    [MemberData(nameof(XSignatureVectors))]
    public void CreateSignatureHeader_Vector_MatchesIndependentImplementation(string name)
    {
        var vector = SignatureVector.Get(name);
        var signer = new WebhookSigner(WebhookSecret.FromStrings(vector.Secrets));

        var header = signer.CreateSignatureHeader(Encoding.UTF8.GetBytes(vector.Body), vector.Timestamp);

        Assert.Equal(vector.ExpectedHeader, header);
    }

    [Theory]
    [MemberData(nameof(XSignatureVectors))]
    public void Verify_Vector_IsAcceptedByEachSecretAlone(string name)
    {
        var vector = SignatureVector.Get(name);
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(vector.Timestamp));

        foreach (var secret in vector.Secrets)
        {
            var verifier = new WebhookVerifier(new WebhookSecret(secret), new WebhookVerifierOptions { TimeProvider = clock });
            var result = verifier.Verify(vector.ExpectedHeader, Encoding.UTF8.GetBytes(vector.Body));
            Assert.True(result.IsValid, $"{name}: {result.Failure}");
            Assert.Equal(vector.Timestamp, result.Timestamp);
        }
    }

    [Theory]
    [MemberData(nameof(StandardWebhooksVectors))]
    public void CreateStandardWebhookHeaders_Vector_MatchesIndependentImplementation(string name)
    {
        var vector = SignatureVector.Get(name);
        var signer = new WebhookSigner(WebhookSecret.FromStrings(vector.Secrets));

        var headers = signer.CreateStandardWebhookHeaders(vector.MsgId!, Encoding.UTF8.GetBytes(vector.Body), vector.Timestamp);

        Assert.Equal(vector.ExpectedHeader, headers.Signature);
        Assert.Equal(vector.MsgId, headers.Id);
        Assert.Equal(vector.Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), headers.Timestamp);
    }

    [Theory]
    [MemberData(nameof(StandardWebhooksVectors))]
    public void VerifyStandardWebhooks_Vector_IsAccepted(string name)
    {
        var vector = SignatureVector.Get(name);
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(vector.Timestamp));
        var verifier = new WebhookVerifier(WebhookSecret.FromStrings(vector.Secrets), new WebhookVerifierOptions { TimeProvider = clock });

        var result = verifier.VerifyStandardWebhooks(
            vector.MsgId, vector.Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), vector.ExpectedHeader,
            Encoding.UTF8.GetBytes(vector.Body));

        Assert.True(result.IsValid, $"{name}: {result.Failure}");
    }
}
