namespace Appliance.Core.Policy;

/// <summary>What to do with a request.</summary>
public enum VerdictAction : byte
{
    Allow = 0,

    /// <summary>Blocked: 0.0.0.0/:: for addresses, NODATA for other types (DESIGN §5).</summary>
    Block = 1,

    /// <summary>Answered "no such name": what a canary's owner wants to see to keep a bypass switched off.</summary>
    NxDomain = 2,

    /// <summary>Answered "no data of that type" (for example DDR's resolver discovery).</summary>
    NoData = 3,
}

/// <summary>A decision, the stable reason for it, and the categories of the lists that matched (0 for none).</summary>
public readonly record struct Verdict(VerdictAction Action, ReasonCode Reason, ulong Categories = 0)
{
    public static Verdict AllowDefault { get; } = new(VerdictAction.Allow, ReasonCode.DnsAllowedDefault);

    public bool IsBlocked => Action != VerdictAction.Allow;
}
