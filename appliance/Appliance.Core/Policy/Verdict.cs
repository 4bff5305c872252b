namespace Appliance.Core.Policy;

/// <summary>What to do with a request.</summary>
public enum VerdictAction : byte
{
    Allow = 0,

    /// <summary>Blocked: 0.0.0.0/:: for addresses, NODATA for other types (DESIGN §5).</summary>
    Block = 1,

    /// <summary>Answered "no such name": what a canary's owner wants to see to keep a bypass switched off.</summary>
    NxDomain = 2,

    /// <summary>Answered "no data of that type" (DDR's resolver discovery; HTTPS records of safe-search hosts).</summary>
    NoData = 3,

    /// <summary>Answered with a CNAME to <see cref="Verdict.Target"/>'s name and that name's addresses (safe search).</summary>
    Rewrite = 4,
}

/// <summary>
/// A decision, the stable reason for it, the categories of the lists that matched (0 for none), the client's
/// group (an index into the snapshot's groups), and for <see cref="VerdictAction.Rewrite"/> where to.
/// </summary>
public readonly record struct Verdict(VerdictAction Action, ReasonCode Reason, ulong Categories = 0, byte Group = 0,
    SafeSearchTarget Target = SafeSearchTarget.None)
{
    public static Verdict AllowDefault { get; } = new(VerdictAction.Allow, ReasonCode.DnsAllowedDefault);

    /// <summary>The client does not get the upstream's answer as it is.</summary>
    public bool IsBlocked => Action is VerdictAction.Block or VerdictAction.NxDomain or VerdictAction.NoData;
}
