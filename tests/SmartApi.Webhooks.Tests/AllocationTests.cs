using System.Globalization;
using Microsoft.Extensions.Time.Testing;

namespace SmartApi.Webhooks.Tests;

/// <summary>The verify path must not allocate: receivers run it on every request.</summary>
public sealed class AllocationTests
{
    private static readonly DateTimeOffset _now = new(2026, 11, 25, 17, 46, 8, TimeSpan.Zero);

    private static byte[] Body(int size)
    {
        var body = new byte[size];
        new Random(size).NextBytes(body);
        return body;
    }

    private static long Measure(Action action)
    {
        for (var i = 0; i < 10; i++)
        {
            action();
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            action();
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData(256)]
    [InlineData(1024)]
    [InlineData(16 * 1024)]
    public void Verify_ValidSignature_AllocatesNothing(int size)
    {
        var body = Body(size);
        var secrets = new[] { WebhookSecret.Generate(), WebhookSecret.Generate() };
        var header = new WebhookSigner(secrets).CreateSignatureHeader(body, _now.ToUnixTimeSeconds());
        // The receiver knows only the newer secret, so both signatures are tried.
        var verifier = new WebhookVerifier(secrets[1], new WebhookVerifierOptions { TimeProvider = new FakeTimeProvider(_now) });
        Assert.Equal(0, verifier.Verify(header, body).MatchedSecretIndex);

        var allocated = Measure(() =>
        {
            if (!verifier.Verify(header, body).IsValid)
            {
                throw new InvalidOperationException("Expected a valid signature.");
            }
        });

        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(1024)]
    [InlineData(16 * 1024)]
    public void Verify_NoMatchingSignature_AllocatesNothing(int size)
    {
        var body = Body(size);
        var header = new WebhookSigner(WebhookSecret.Generate()).CreateSignatureHeader(body, _now.ToUnixTimeSeconds());
        var verifier = new WebhookVerifier(WebhookSecret.Generate(), new WebhookVerifierOptions { TimeProvider = new FakeTimeProvider(_now) });

        var allocated = Measure(() => verifier.Verify(header.AsSpan(), body));

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, verifier.Verify(header, body).Failure);
        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(1024)]
    [InlineData(16 * 1024)]
    public void VerifyStandardWebhooks_ValidSignature_AllocatesNothing(int size)
    {
        var body = Body(size);
        var secret = WebhookSecret.Generate();
        var headers = new WebhookSigner(secret).CreateStandardWebhookHeaders("evt_01JDXR4W3E", body, _now.ToUnixTimeSeconds());
        var verifier = new WebhookVerifier(secret, new WebhookVerifierOptions { TimeProvider = new FakeTimeProvider(_now) });

        var allocated = Measure(() =>
        {
            if (!verifier.VerifyStandardWebhooks(headers.Id, headers.Timestamp, headers.Signature, body).IsValid)
            {
                throw new InvalidOperationException("Expected a valid signature.");
            }
        });

        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(16 * 1024)]
    public void TryWriteSignatureHeader_AllocatesNothing(int size)
    {
        var body = Body(size);
        var signer = new WebhookSigner([WebhookSecret.Generate(), WebhookSecret.Generate()]);
        var t = _now.ToUnixTimeSeconds();
        var destination = new char[signer.GetSignatureHeaderLength(t)];

        var allocated = Measure(() => signer.TryWriteSignatureHeader(body, t, destination, out _));

        Assert.Equal(0, allocated);
        Assert.StartsWith("v=1;t=" + t.ToString(CultureInfo.InvariantCulture), new string(destination), StringComparison.Ordinal);
    }
}
