using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using SmartApi.Storage;

namespace SmartApi.Server.WebConsole;

/// <summary>
/// ASP.NET Data Protection's key ring in the database (<c>data_protection_keys</c>), so an
/// antiforgery token or a circuit id made on one node is read on every other.
/// </summary>
/// <remarks>
/// The interface is synchronous; the framework calls it at start-up and when the ring is refreshed
/// (about once a day), never on a request's path.
/// </remarks>
internal sealed class StoreXmlRepository(ISmartApiStore store, TimeProvider time) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() =>
        store.ListDataProtectionKeysAsync().GetAwaiter().GetResult()
            .Select(key => XElement.Parse(key.Xml))
            .ToList();

    public void StoreElement(XElement element, string friendlyName)
    {
        var key = new DataProtectionKeyRecord(friendlyName, element.ToString(SaveOptions.DisableFormatting), time.GetUtcNow());
        store.WriteAsync(async tx =>
        {
            await tx.StoreDataProtectionKeyAsync(key);
            return true;
        }).GetAwaiter().GetResult();
    }
}
