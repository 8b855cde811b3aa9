namespace SmartApi.Server.Infrastructure;

/// <summary>Every log event id of the server, in one place, so ids stay unique and greppable.</summary>
internal static class LogEvents
{
    public const int UnhandledException = 1000;
    public const int StorageFault = 1001;

    public const int StorageMigrated = 1100;
    public const int BootstrapKeyCreated = 1101;
    public const int BootstrapKeyGenerated = 1102;
    public const int StorageUnavailable = 1103;
    public const int DataFileTightened = 1110;
    public const int DataDirectoryOpen = 1111;

    public const int ApiKeyUsageFlushFailed = 1200;

    public const int TelemetryBatchFailed = 1301;
    public const int TelemetryDuplicate = 1302;
    public const int TelemetryStateMoved = 1303;

    public const int DeliveryClaimFailed = 1400;
    public const int DeliverySendFailed = 1401;
    public const int DeliveryRecordFailed = 1402;
    public const int WebhookDisabled = 1403;
    public const int WebhookHeadersEncrypted = 1404;
    public const int DeliveryLeaseLost = 1405;
    public const int DeliveryLeaseRenewFailed = 1406;

    public const int RetentionPruned = 1500;
    public const int RetentionFailed = 1501;

    public const int EventStreamSlowClient = 1600;
    public const int EventStreamFailed = 1601;
    public const int EventStreamKeyRevoked = 1602;

    public const int AutomationRunFailed = 1700;
    public const int AutomationLoopCut = 1701;
    public const int AutomationRunnerFailed = 1702;
    public const int AutomationSchedulerFailed = 1703;
    public const int PowerTriggerFailed = 1704;

    public const int MqttStarted = 2000;
    public const int MqttAuthenticationFailed = 2001;
    public const int MqttAccessDenied = 2002;
    public const int MqttMalformedPayload = 2003;
    public const int MqttMessageFailed = 2004;
    public const int MqttExternalConnected = 2005;
    public const int MqttExternalDisconnected = 2006;
    public const int MqttPresenceFailed = 2007;
    public const int MqttAmbiguousSerial = 2008;
    public const int MqttConnectionFailed = 2009;
    public const int MqttRemovalFailed = 2015;
    public const int MqttPacketTooLarge = 2030;
    public const int MqttRateLimited = 2031;

    public const int CommandPublishFailed = 2100;
    public const int CommandLoopFailed = 2101;
    public const int CommandConfigFailed = 2102;
    public const int EnergyReportFailed = 2110;

    public const int ExportBroken = 2140;
    public const int BudgetMonitorFailed = 2180;
    public const int BudgetCheckFailed = 2181;
    public const int BudgetOrganizationFailed = 2182;
    public const int DeviceErased = 2250;

    public const int WebhookCircuitOpened = 2230;
    public const int WebhookCircuitClosed = 2231;
    public const int WebhookProbeFailed = 2232;

    public const int BrokerAccountApplied = 2210;
    public const int BrokerAccountFailed = 2211;
    public const int BrokerAccountRoundFailed = 2212;
    public const int BrokerControlConnected = 2213;
    public const int BrokerAuthRefused = 2214;

    public const int RetentionOrganizationPruned = 2215;

    public const int BrokerReconcileRemoving = 2270;
    public const int BrokerDevicesWithoutAccount = 2271;
    public const int BrokerReconcileFailed = 2272;
}
