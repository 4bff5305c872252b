using Appliance.Core.Events;
using Appliance.Core.Policy;
using Appliance.Policy;
using Appliance.WebUI.Accounts;

namespace Appliance.WebUI.Policy;

/// <summary>What became of a step: done (with the proposal as it now stands), or refused with the reasons.</summary>
/// <param name="Ok">Whether the step was taken.</param>
/// <param name="Message">One sentence for the page, naming what happened or what is wrong.</param>
/// <param name="Proposal">The proposal after the step (null when there is none by that number).</param>
/// <param name="Problems">The policy's own problems (compile errors), each naming its field.</param>
/// <param name="Refusal">Why it was refused, for the API's status code.</param>
public sealed record ProposalOutcome(bool Ok, string Message, PolicyProposal? Proposal, IReadOnlyList<string> Problems, ProposalRefusal Refusal = ProposalRefusal.None);

/// <summary>Why a step was refused: maps to 403, 404, 409 or 400.</summary>
public enum ProposalRefusal
{
    None,
    NotAllowed,
    NotFound,
    Conflict,
    Invalid,
}

/// <summary>
/// The two-person rule (DESIGN §2; school-requirements.md §4.2): no one changes the filtering policy alone. A technician,
/// DSL or head proposes a change with a written reason; it takes effect only when a second, different person — a DSL or
/// a head — approves it. The proposer may withdraw it; an approver may reject it with a reason. A proposal is made
/// against one version; if the policy moved on before approval it is refused as stale, never applied over the newer
/// one. Every step is in the hash-chained audit log, so the governors' change-control log shows proposer, approver and
/// both reasons. The roles are checked here as well as on the endpoints.
/// </summary>
public sealed class PolicyApprovals(PolicyProposals proposals, PolicyChangeService changes, IAuditSink audit)
{
    public const int MinReasonLength = 10;

    public static readonly IReadOnlyList<WebRole> Proposers = [WebRole.Technician, WebRole.Dsl, WebRole.Head];

    public static readonly IReadOnlyList<WebRole> Approvers = [WebRole.Dsl, WebRole.Head];

    public const string Proposed = "policy.proposal.proposed";
    public const string Approved = "policy.proposal.approved";
    public const string Rejected = "policy.proposal.rejected";
    public const string Withdrawn = "policy.proposal.withdrawn";
    public const string Stale = "policy.proposal.stale";
    public const string Failed = "policy.proposal.failed";

    private readonly Lock _lock = new();

    public PolicyProposals Proposals => proposals;

    public PolicyVersion Current => changes.Current;

    /// <summary>Records <paramref name="document"/> as a pending proposal against version <paramref name="basedOn"/>.</summary>
    public ProposalOutcome Propose(WebAccount who, PolicyDocument document, long basedOn, string? reason)
    {
        if (!Proposers.Contains(who.Role))
        {
            return Refuse(ProposalRefusal.NotAllowed, $"A {WebRoles.Name(who.Role)} cannot propose policy changes; a technician, DSL or head can.");
        }

        if (ReasonProblem(reason) is { } problem)
        {
            return Refuse(ProposalRefusal.Invalid, problem);
        }

        var current = changes.Current;
        if (changes.Store.LatestVersion() != basedOn || current.Version != basedOn)
        {
            return Refuse(ProposalRefusal.Conflict, $"The policy changed (it is now version {Math.Max(current.Version, changes.Store.LatestVersion())}) since this form was opened; reload the page and make the change again.");
        }

        var errors = PolicyCompiler.Validate(document);
        if (errors.Count > 0)
        {
            return new ProposalOutcome(false, "The change was not proposed: the policy it makes is not valid.", null, errors, ProposalRefusal.Invalid);
        }

        var summary = PolicyDiff.Describe(current.Document, document);
        if (summary == "no change")
        {
            return Refuse(ProposalRefusal.Invalid, "That is the policy as it is; nothing to propose.");
        }

        var proposal = proposals.Add(who.Name, WebRoles.Name(who.Role), reason!.Trim(), basedOn, summary, document);
        Audit(who.Name, Proposed, proposal, ("proposerRole", proposal.ProposerRole), ("reason", proposal.Reason), ("basedOn", basedOn), ("summary", summary));
        return new ProposalOutcome(true, $"Proposal #{proposal.Id} recorded; it takes effect when a DSL or head other than you approves it.", proposal, []);
    }

    /// <summary>Applies a pending proposal, if <paramref name="who"/> may approve it and the policy has not moved on.</summary>
    public ProposalOutcome Approve(WebAccount who, long id, string? note)
    {
        if (!Approvers.Contains(who.Role))
        {
            return Refuse(ProposalRefusal.NotAllowed, $"A {WebRoles.Name(who.Role)} cannot approve policy changes; a DSL or head can.");
        }

        lock (_lock)
        {
            if (Pending(id) is { } notPending)
            {
                return notPending;
            }

            var proposal = proposals.Get(id)!;
            if (SamePerson(who, proposal))
            {
                return Refuse(ProposalRefusal.NotAllowed, $"You proposed #{id}; under the two-person rule another DSL or head must approve it.", proposal);
            }

            var actor = $"{proposal.Proposer} (proposed), {who.Name} (approved)";
            var why = string.IsNullOrWhiteSpace(note) ? proposal.Reason : $"{proposal.Reason} (approval: {note.Trim()})";
            var result = changes.ApplyIfCurrent(proposal.Document, actor, $"{why} [proposal #{id}]", proposal.BaseVersion);
            if (result.Stale)
            {
                var latest = changes.Store.LatestVersion();
                proposals.Decide(id, ProposalState.Stale, who.Name, $"the policy moved on to version {latest}");
                Audit(who.Name, Stale, proposal, ("proposer", proposal.Proposer), ("basedOn", proposal.BaseVersion), ("currentVersion", latest));
                return Refuse(ProposalRefusal.Conflict, $"Proposal #{id} is stale: it was made against version {proposal.BaseVersion} and the policy is now version {latest}. Nothing was changed; propose it again against the current policy.",
                    proposals.Get(id));
            }

            if (!result.Applied)
            {
                proposals.RecordError(id, string.Join("; ", result.Errors));
                Audit(who.Name, Failed, proposal, ("proposer", proposal.Proposer), ("errors", result.Errors));
                return new ProposalOutcome(false, $"Proposal #{id} could not be applied and stays pending.", proposals.Get(id), result.Errors, ProposalRefusal.Invalid);
            }

            proposals.Decide(id, ProposalState.Approved, who.Name, string.IsNullOrWhiteSpace(note) ? null : note.Trim(), result.Version!.Version);
            Audit(who.Name, Approved, proposal, ("proposer", proposal.Proposer), ("approver", who.Name), ("approverRole", WebRoles.Name(who.Role)),
                ("reason", proposal.Reason), ("note", string.IsNullOrWhiteSpace(note) ? null : note.Trim()), ("version", result.Version.Version),
                ("summary", proposal.Summary));
            return new ProposalOutcome(true, $"Proposal #{id} approved: the policy is now version {result.Version.Version}.", proposals.Get(id), []);
        }
    }

    /// <summary>Rejects a pending proposal with a written reason (a DSL or head other than the proposer, who withdraws instead).</summary>
    public ProposalOutcome Reject(WebAccount who, long id, string? reason)
    {
        if (!Approvers.Contains(who.Role))
        {
            return Refuse(ProposalRefusal.NotAllowed, $"A {WebRoles.Name(who.Role)} cannot reject policy changes; a DSL or head can.");
        }

        if (ReasonProblem(reason) is { } problem)
        {
            return Refuse(ProposalRefusal.Invalid, problem);
        }

        return Close(who, id, ProposalState.Rejected, reason!.Trim(), Rejected, proposal => SamePerson(who, proposal)
            ? $"You proposed #{id}; withdraw it instead of rejecting it."
            : null);
    }

    /// <summary>Withdraws a pending proposal; only its proposer may.</summary>
    public ProposalOutcome Withdraw(WebAccount who, long id)
        => Close(who, id, ProposalState.Withdrawn, null, Withdrawn, proposal => SamePerson(who, proposal)
            ? null
            : $"Only {proposal.Proposer}, who proposed #{id}, can withdraw it.");

    /// <summary>Null when the reason is long enough, else the message saying so.</summary>
    public static string? ReasonProblem(string? reason) => (reason?.Trim().Length ?? 0) < MinReasonLength
        ? $"Write a reason of at least {MinReasonLength} characters: it goes in the change-control log the governors read."
        : null;

    private ProposalOutcome Close(WebAccount who, long id, ProposalState state, string? reason, string action, Func<PolicyProposal, string?> refusal)
    {
        lock (_lock)
        {
            if (Pending(id) is { } notPending)
            {
                return notPending;
            }

            var proposal = proposals.Get(id)!;
            if (refusal(proposal) is { } why)
            {
                return Refuse(ProposalRefusal.NotAllowed, why, proposal);
            }

            proposals.Decide(id, state, who.Name, reason);
            Audit(who.Name, action, proposal, ("proposer", proposal.Proposer), ("reason", proposal.Reason), ("decisionReason", reason));
            return new ProposalOutcome(true, $"Proposal #{id} {ProposalStates.Describe(state)}.", proposals.Get(id), []);
        }
    }

    // Null when the proposal exists and is pending; else the refusal that says which it is not.
    private ProposalOutcome? Pending(long id) => proposals.Get(id) switch
    {
        null => Refuse(ProposalRefusal.NotFound, $"There is no proposal #{id}."),
        { State: ProposalState.Pending } => null,
        var decided => Refuse(ProposalRefusal.Conflict, $"Proposal #{id} is already {ProposalStates.Describe(decided.State)}.", decided),
    };

    // An API token is not a person: it cannot be the second person of the rule (a technician could otherwise make a head's
    // token and approve their own proposal with it), so it counts as the proposer too.
    private static bool SamePerson(WebAccount who, PolicyProposal proposal) =>
        string.Equals(who.Name, proposal.Proposer, StringComparison.OrdinalIgnoreCase) || who.Name.StartsWith("token:", StringComparison.Ordinal);

    private static ProposalOutcome Refuse(ProposalRefusal refusal, string message, PolicyProposal? proposal = null) => new(false, message, proposal, [], refusal);

    private void Audit(string actor, string action, PolicyProposal proposal, params (string Name, object? Value)[] detail)
        => audit.Record(actor, action, $"policy proposal #{proposal.Id}", AuditDetail.Of(detail));
}

/// <summary>The words for a proposal's state, shared by the page and the messages.</summary>
public static class ProposalStates
{
    public static string Describe(ProposalState state) => state switch
    {
        ProposalState.Pending => "waiting for approval",
        ProposalState.Stale => "stale (the policy moved on before approval)",
        _ => PolicyProposals.StateName(state),
    };
}
