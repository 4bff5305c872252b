namespace Appliance.Core.Policy;

/// <summary>What to do with a request.</summary>
public enum VerdictAction : byte
{
    Allow = 0,
    Block = 1,
}

/// <summary>A decision, the stable reason for it, and the categories of the lists that matched (0 for none).</summary>
public readonly record struct Verdict(VerdictAction Action, ReasonCode Reason, ulong Categories = 0)
{
    public static Verdict AllowDefault { get; } = new(VerdictAction.Allow, ReasonCode.DnsAllowedDefault);

    public bool IsBlocked => Action == VerdictAction.Block;
}
