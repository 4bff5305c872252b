namespace Appliance.Fleet.Outbox;

public sealed record OutboxOptions
{
    /// <summary>
    /// Disk budget for stored chunks (compressed). Past it the oldest DNS/SNI logs go first, then health, then
    /// blocks, each drop recorded as a <c>gap</c> record in the audit stream; incidents, alerts and audit are never dropped.
    /// </summary>
    public long BudgetBytes { get; init; } = 2L << 30;
}
