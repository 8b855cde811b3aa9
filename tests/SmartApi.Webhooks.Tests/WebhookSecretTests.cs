namespace SmartApi.Webhooks.Tests;

public sealed class WebhookSecretTests
{
    [Fact]
    public void GenerateString_IsWhsecAndBase64Of32RandomBytes()
    {
        var text = WebhookSecret.GenerateString();

        Assert.StartsWith("whsec_", text, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(text["whsec_".Length..]).Length);
        Assert.NotEqual(text, WebhookSecret.GenerateString());
    }

    [Fact]
    public void Generate_HasBothKeys()
    {
        var secret = WebhookSecret.Generate();

        Assert.True(secret.HasStandardWebhooksKey);
        Assert.Equal(32, secret.StandardWebhooksKey.Length);
        Assert.Equal(6 + 44, secret.SignatureKey.Length);
    }

    [Fact]
    public void SignatureKey_IsUtf8OfTheWholeString()
    {
        var secret = new WebhookSecret("geheim-ä☕");

        Assert.Equal(System.Text.Encoding.UTF8.GetBytes("geheim-ä☕"), secret.SignatureKey.ToArray());
        Assert.False(secret.HasStandardWebhooksKey);
        Assert.True(secret.StandardWebhooksKey.IsEmpty);
    }

    [Theory]
    [InlineData("whsec_")]
    [InlineData("whsec_not base64!")]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    public void HasStandardWebhooksKey_NotWhsecBase64_IsFalse(string text)
    {
        Assert.False(new WebhookSecret(text).HasStandardWebhooksKey);
    }

    [Fact]
    public void ToString_DoesNotRevealTheSecret()
    {
        var text = WebhookSecret.GenerateString();

        Assert.DoesNotContain(text["whsec_".Length..], new WebhookSecret(text).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_Empty_Throws()
    {
        Assert.Throws<ArgumentException>(() => new WebhookSecret(""));
    }
}
