using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmartApi.Contracts;

/// <summary>
/// The one source-generated serializer context of the Smart API, shared by the server and the client
/// so both read and write exactly the same JSON.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(CreateOrganizationRequest))]
[JsonSerializable(typeof(UpdateOrganizationRequest))]
[JsonSerializable(typeof(UpdateOwnOrganizationRequest))]
[JsonSerializable(typeof(OrganizationResponse))]
[JsonSerializable(typeof(Page<OrganizationResponse>))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(ApiKeyResponse))]
[JsonSerializable(typeof(Page<ApiKeyResponse>))]
[JsonSerializable(typeof(CreatePortalSessionRequest))]
[JsonSerializable(typeof(PortalSessionResponse))]
[JsonSerializable(typeof(Page<PortalSessionResponse>))]
[JsonSerializable(typeof(CreateTariffRequest))]
[JsonSerializable(typeof(UpdateTariffRequest))]
[JsonSerializable(typeof(TariffResponse))]
[JsonSerializable(typeof(Page<TariffResponse>))]
[JsonSerializable(typeof(CreateDeviceRequest))]
[JsonSerializable(typeof(UpdateDeviceRequest))]
[JsonSerializable(typeof(DeviceResponse))]
[JsonSerializable(typeof(DeviceErasureResponse))]
[JsonSerializable(typeof(Page<DeviceResponse>))]
[JsonSerializable(typeof(DeviceCount))]
[JsonSerializable(typeof(DeviceCredentials))]
[JsonSerializable(typeof(BrokerAuthRequest))]
[JsonSerializable(typeof(BrokerAclRequest))]
[JsonSerializable(typeof(BrokerAuthResponse))]
[JsonSerializable(typeof(SwitchRequest))]
[JsonSerializable(typeof(CommandResponse))]
[JsonSerializable(typeof(Page<CommandResponse>))]
[JsonSerializable(typeof(BulkSwitchRequest))]
[JsonSerializable(typeof(SwitchBatchResponse))]
[JsonSerializable(typeof(Page<MeasurementPoint>))]
[JsonSerializable(typeof(DeviceEnergyResponse))]
[JsonSerializable(typeof(OrganizationEnergyResponse))]
[JsonSerializable(typeof(EventResponse))]
[JsonSerializable(typeof(Page<EventResponse>))]
[JsonSerializable(typeof(Page<EventTypeResponse>))]
[JsonSerializable(typeof(AutomationRequest))]
[JsonSerializable(typeof(AutomationResponse))]
[JsonSerializable(typeof(Page<AutomationResponse>))]
[JsonSerializable(typeof(RotateSecretResponse))]
[JsonSerializable(typeof(AutomationTestResponse))]
[JsonSerializable(typeof(RecoverRequest))]
[JsonSerializable(typeof(RecoverResponse))]
[JsonSerializable(typeof(AutomationRunResponse))]
[JsonSerializable(typeof(Page<AutomationRunResponse>))]
[JsonSerializable(typeof(DeliveryResponse))]
[JsonSerializable(typeof(Page<DeliveryResponse>))]
[JsonSerializable(typeof(RetryDeliveriesRequest))]
[JsonSerializable(typeof(RetryDeliveriesResponse))]
[JsonSerializable(typeof(CreateBudgetRequest))]
[JsonSerializable(typeof(UpdateBudgetRequest))]
[JsonSerializable(typeof(BudgetResponse))]
[JsonSerializable(typeof(Page<BudgetResponse>))]
public sealed partial class SmartApiJsonContext : JsonSerializerContext
{
    /// <summary>Applies the contract's settings to options that use this context as a resolver (such as ASP.NET Core's).</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.TypeInfoResolverChain.Insert(0, Default);
        options.Converters.Add(new UtcTimestampConverter());
    }
}
