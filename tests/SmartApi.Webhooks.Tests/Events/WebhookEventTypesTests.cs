using System.Reflection;
using SmartApi.Webhooks.Events;

namespace SmartApi.Webhooks.Tests.Events;

public sealed class WebhookEventTypesTests
{
    [Fact]
    public void Catalog_ListsEveryTypeConstantOnceInOrder()
    {
        var constants = typeof(WebhookEventTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();

        Assert.Equal(constants, WebhookEventTypes.Catalog.Select(t => t.Name));
        Assert.Equal(constants, WebhookEventTypes.All);
        Assert.All(WebhookEventTypes.Catalog, t => Assert.False(string.IsNullOrWhiteSpace(t.Description)));
    }

    [Fact]
    public void Catalog_DataTypesAreRecordsOfThisLibraryWithTheirContextMetadata()
    {
        foreach (var type in WebhookEventTypes.Catalog)
        {
            Assert.True(typeof(WebhookEventData).IsAssignableFrom(type.DataType), type.Name);
            Assert.Same(WebhookJsonContext.Default.GetTypeInfo(type.DataType), type.DataTypeInfo);
        }
    }

    [Fact]
    public void Catalog_AlsoRequiredNamesPropertiesOfTheRecord()
    {
        foreach (var type in WebhookEventTypes.Catalog)
        {
            var names = type.DataTypeInfo.Properties.Select(p => p.Name).ToHashSet();
            Assert.All(type.AlsoRequired, name => Assert.Contains(name, names));
        }
        Assert.Equal(["changes"], WebhookEventTypes.Find(WebhookEventTypes.DeviceUpdated)!.AlsoRequired);
        Assert.Equal(["error"], WebhookEventTypes.Find(WebhookEventTypes.CommandFailed)!.AlsoRequired);
    }

    [Fact]
    public void Find_KnownAndUnknownTypes()
    {
        Assert.Equal(typeof(DeviceSwitchedData), WebhookEventTypes.Find("device.switched")!.DataType);
        Assert.Null(WebhookEventTypes.Find("device.teleported"));
        Assert.Null(WebhookEventTypes.Find("DEVICE.SWITCHED"));
    }
}
