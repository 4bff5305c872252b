namespace Appliance.Core.Policy;

/// <summary>What to do with a request.</summary>
public enum VerdictAction : byte
{
    Allow = 0,
    Block = 1,
}

/// <summary>A decision and the stable reason for it.</summary>
public readonly record struct Verdict(VerdictAction Action, ReasonCode Reason)
{
    public static Verdict AllowDefault { get; } = new(VerdictAction.Allow, ReasonCode.DnsAllowedDefault);

    public bool IsBlocked => Action == VerdictAction.Block;
}
