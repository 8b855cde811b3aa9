using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace SmartApi.Webhooks.Tests;

/// <summary>Receivers using the StandardWebhooks NuGet package must accept what the signer sends, and vice versa.</summary>
public sealed class StandardWebhooksInteropTests
{
    private const string Body = """{"id":"evt_02","type":"device.updated","data":{"name":"Kaffeemaschine ☕ Zürich"}}""";

    private static HeaderDictionary ToHeaders(StandardWebhookHeaders headers) => new()
    {
        [WebhookHeaders.StandardWebhookId] = headers.Id,
        [WebhookHeaders.StandardWebhookTimestamp] = headers.Timestamp,
        [WebhookHeaders.StandardWebhookSignature] = headers.Signature,
    };

    [Fact]
    public void CreateStandardWebhookHeaders_GeneratedSecret_VerifiesWithStandardWebhooksPackage()
    {
        var secret = WebhookSecret.Generate();
        // The package checks the timestamp against the real clock.
        var headers = new WebhookSigner(secret).CreateStandardWebhookHeaders("evt_01JDXR4W3E", Encoding.UTF8.GetBytes(Body));

        new StandardWebhook(secret.Value).Verify(Body, ToHeaders(headers));
    }

    [Fact]
    public void CreateStandardWebhookHeaders_Rotation_EachSecretVerifiesAloneAndFirstWithPackage()
    {
        var oldSecret = WebhookSecret.GenerateString();
        var newSecret = WebhookSecret.GenerateString();
        var body = Encoding.UTF8.GetBytes(Body);
        var headers = new WebhookSigner(WebhookSecret.FromStrings(oldSecret, newSecret)).CreateStandardWebhookHeaders("evt_01JDXR4W3E", body);

        Assert.Equal(2, headers.Signature.Split(' ').Length);
        new StandardWebhook(oldSecret).Verify(Body, ToHeaders(headers));
        Assert.True(new WebhookVerifier(new WebhookSecret(oldSecret))
            .VerifyStandardWebhooks(headers.Id, headers.Timestamp, headers.Signature, body).IsValid);
        Assert.True(new WebhookVerifier(new WebhookSecret(newSecret))
            .VerifyStandardWebhooks(headers.Id, headers.Timestamp, headers.Signature, body).IsValid);
    }

    /// <summary>
    /// StandardWebhooks 1.1.2 compares the last space-separated token against the whole header, so only
    /// the first of several signatures can match. Pinned here so a fixed package version shows up.
    /// </summary>
    [Fact]
    public void StandardWebhooksPackage_SecondOfTwoSignatures_IsNotFound()
    {
        var oldSecret = WebhookSecret.GenerateString();
        var newSecret = WebhookSecret.GenerateString();
        var headers = new WebhookSigner(WebhookSecret.FromStrings(oldSecret, newSecret))
            .CreateStandardWebhookHeaders("evt_01JDXR4W3E", Encoding.UTF8.GetBytes(Body));
        var alone = new WebhookSigner(new WebhookSecret(newSecret))
            .CreateStandardWebhookHeaders("evt_01JDXR4W3E", Encoding.UTF8.GetBytes(Body), long.Parse(headers.Timestamp, System.Globalization.CultureInfo.InvariantCulture));

        Assert.EndsWith(" " + alone.Signature, headers.Signature, StringComparison.Ordinal);
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(newSecret).Verify(Body, ToHeaders(headers)));
    }

    [Fact]
    public void CreateStandardWebhookHeaders_OtherSecret_IsRefusedByStandardWebhooksPackage()
    {
        var headers = new WebhookSigner(WebhookSecret.Generate()).CreateStandardWebhookHeaders("evt_1", Encoding.UTF8.GetBytes(Body));

        Assert.Throws<WebhookVerificationException>(() =>
            new StandardWebhook(WebhookSecret.GenerateString()).Verify(Body, ToHeaders(headers)));
    }

    [Fact]
    public void VerifyStandardWebhooks_SignedByStandardWebhooksPackage_IsAccepted()
    {
        var secret = WebhookSecret.GenerateString();
        var now = new DateTimeOffset(2026, 11, 25, 17, 46, 8, TimeSpan.Zero);
        var signature = new StandardWebhook(secret).Sign("msg_1", now, Body);
        var verifier = new WebhookVerifier(new WebhookSecret(secret), new WebhookVerifierOptions { TimeProvider = new FakeTimeProvider(now) });

        var result = verifier.VerifyStandardWebhooks("msg_1", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), signature, Encoding.UTF8.GetBytes(Body));

        Assert.True(result.IsValid, result.Failure.ToString());
    }

    [Theory]
    [InlineData(null, "1764092768", "v1,abc", WebhookVerificationFailure.MissingHeader)]
    [InlineData("evt_1", "", "v1,abc", WebhookVerificationFailure.MissingHeader)]
    [InlineData("evt_1", "1764092768", " ", WebhookVerificationFailure.MissingHeader)]
    [InlineData("evt_1", "17640x", "v1,abc", WebhookVerificationFailure.MalformedHeader)]
    [InlineData("evt_1", "1764092768", "nocomma", WebhookVerificationFailure.MalformedHeader)]
    [InlineData("evt_1", "1764092768", "v1a,c2lnbmF0dXJl", WebhookVerificationFailure.UnsupportedVersion)]
    [InlineData("evt_1", "1764092768", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", WebhookVerificationFailure.NoMatchingSignature)]
    [InlineData("evt_1", "1764000000", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", WebhookVerificationFailure.TimestampTooOld)]
    [InlineData("evt_1", "1764200000", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", WebhookVerificationFailure.TimestampInFuture)]
    public void VerifyStandardWebhooks_BadHeaders_ReportsTheReason(string? id, string timestamp, string signature, WebhookVerificationFailure expected)
    {
        var verifier = new WebhookVerifier(WebhookSecret.Generate(), new WebhookVerifierOptions
        {
            TimeProvider = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1764092768)),
        });

        Assert.Equal(expected, verifier.VerifyStandardWebhooks(id, timestamp, signature, Encoding.UTF8.GetBytes(Body)).Failure);
    }

    [Fact]
    public void VerifyStandardWebhooks_OnlyPlainSecrets_IsNoMatchingSignature()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1764092768);
        var headers = new WebhookSigner(WebhookSecret.Generate()).CreateStandardWebhookHeaders("evt_1", Encoding.UTF8.GetBytes(Body), 1764092768);
        var verifier = new WebhookVerifier(new WebhookSecret("not-base64!"), new WebhookVerifierOptions { TimeProvider = new FakeTimeProvider(now) });

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature,
            verifier.VerifyStandardWebhooks(headers.Id, headers.Timestamp, headers.Signature, Encoding.UTF8.GetBytes(Body)).Failure);
    }

    [Fact]
    public void CreateStandardWebhookHeaders_SecretNotWhsecBase64_Throws()
    {
        var signer = new WebhookSigner(new WebhookSecret("plain secret"));

        Assert.Throws<InvalidOperationException>(() => signer.CreateStandardWebhookHeaders("evt_1", Encoding.UTF8.GetBytes(Body)));
    }
}
