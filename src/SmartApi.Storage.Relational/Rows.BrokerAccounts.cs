namespace SmartApi.Storage.Relational;

internal sealed class BrokerAccountJobRow
{
    public long Id { get; set; }
    public string Serial { get; set; } = "";
    public string Action { get; set; } = "";
    public byte[]? Secret { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public long CreatedAt { get; set; }
    public long DueAt { get; set; }

    public BrokerAccountJob ToEntity() => new(
        Id, Serial, Action == "delete" ? BrokerAccountAction.Delete : BrokerAccountAction.Upsert,
        Secret, Attempts, LastError, Ms.ToTime(CreatedAt), Ms.ToTime(DueAt));

    public static string ActionOf(BrokerAccountAction action) => action == BrokerAccountAction.Delete ? "delete" : "upsert";
}
