using Appliance.Core.Policy;
using Appliance.Journal.Audit;
using Appliance.Policy;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Policy;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.WebUI.Tests;

/// <summary>The two-person rule: who may propose, approve, reject and withdraw; stale proposals; durability; the audit trail.</summary>
public sealed class PolicyApprovalsTests : IDisposable
{
    private const string Reason = "Year 9 found gambling sites in lessons";

    private static readonly WebAccount Tech = new("tech", WebRole.Technician);
    private static readonly WebAccount Dsl = new("dsl", WebRole.Dsl);
    private static readonly WebAccount Head = new("head", WebRole.Head);

    private readonly string _dir = Directory.CreateTempSubdirectory("policy-approvals-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly List<IDisposable> _open = [];

    private static PolicyDocument Seed { get; } = new()
    {
        DefaultGroup = "pupils",
        Groups = [new GroupDefinition { Name = "pupils", BlockedCategories = ["pornography"] }, new GroupDefinition { Name = "staff" }],
    };

    public void Dispose()
    {
        _open.ForEach(o => o.Dispose());
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_proposal_changes_nothing_until_a_second_person_approves_it_and_the_audit_names_both()
    {
        var (approvals, changes, audit) = Start();
        var proposed = approvals.Propose(Tech, BlockGambling(changes), changes.Current.Version, Reason);
        Assert.True(proposed.Ok, proposed.Message);
        Assert.Equal("group 'pupils': blocked +gambling", proposed.Proposal!.Summary);
        Assert.Equal(1, changes.Current.Version);
        Assert.DoesNotContain("gambling", changes.Current.Document.Groups[0].BlockedCategories);

        var approved = approvals.Approve(Head, proposed.Proposal.Id, "agreed with the DSL");
        Assert.True(approved.Ok, approved.Message);
        Assert.Equal(2, changes.Current.Version);
        Assert.Contains("gambling", changes.Current.Document.Groups[0].BlockedCategories);
        Assert.Equal("tech (proposed), head (approved)", changes.Current.Actor);
        Assert.Contains(Reason, changes.Current.Reason, StringComparison.Ordinal);
        Assert.Equal((ProposalState.Approved, "head", 2L), (approved.Proposal!.State, approved.Proposal.DecidedBy, approved.Proposal.AppliedVersion));

        var steps = audit.Tail(10).Where(e => e.Action.StartsWith("policy", StringComparison.Ordinal)).Select(e => (e.Actor, e.Action)).ToList();
        Assert.Contains(("tech", PolicyApprovals.Proposed), steps);
        Assert.Contains(("tech (proposed), head (approved)", PolicyChangeService.PolicyAppliedAction), steps);
        Assert.Contains(("head", PolicyApprovals.Approved), steps);
        Assert.Contains("agreed with the DSL", audit.Last(PolicyApprovals.Approved)!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_proposer_cannot_approve_their_own_change_even_as_a_head()
    {
        var (approvals, changes, _) = Start();
        var id = approvals.Propose(Head, BlockGambling(changes), 1, Reason).Proposal!.Id;

        var self = approvals.Approve(new WebAccount("HEAD", WebRole.Head), id, null);

        Assert.False(self.Ok);
        Assert.Equal(ProposalRefusal.NotAllowed, self.Refusal);
        Assert.Contains("two-person rule", self.Message, StringComparison.Ordinal);
        Assert.Equal(1, changes.Current.Version);
        Assert.True(approvals.Approve(Dsl, id, null).Ok);
    }

    [Theory]
    [InlineData(WebRole.Teacher)]
    [InlineData(WebRole.Governor)]
    public void Teachers_and_governors_cannot_propose(WebRole role)
    {
        var (approvals, changes, _) = Start();
        var outcome = approvals.Propose(new WebAccount("someone", role), BlockGambling(changes), 1, Reason);
        Assert.Equal(ProposalRefusal.NotAllowed, outcome.Refusal);
        Assert.Empty(approvals.Proposals.List());
    }

    [Fact]
    public void A_technician_cannot_approve_or_reject()
    {
        var (approvals, changes, _) = Start();
        var id = approvals.Propose(Dsl, BlockGambling(changes), 1, Reason).Proposal!.Id;

        Assert.Equal(ProposalRefusal.NotAllowed, approvals.Approve(Tech, id, null).Refusal);
        Assert.Equal(ProposalRefusal.NotAllowed, approvals.Reject(Tech, id, "not on my watch please").Refusal);
        Assert.Equal(ProposalState.Pending, approvals.Proposals.Get(id)!.State);
        Assert.Equal(1, changes.Current.Version);
    }

    [Fact]
    public void A_proposal_needs_a_written_reason_and_a_valid_policy_and_never_touches_a_statutory_list()
    {
        var (approvals, changes, _) = Start();
        Assert.Contains("at least 10 characters", approvals.Propose(Tech, BlockGambling(changes), 1, "because").Message, StringComparison.Ordinal);

        var statutory = Edit(changes, g => g with { Schedules = [new ScheduleDefinition { Name = "lunch", Unblock = ["statutory-iwf"] }] });
        var refused = approvals.Propose(Tech, statutory, 1, Reason);
        Assert.Equal(ProposalRefusal.Invalid, refused.Refusal);
        Assert.Contains(refused.Problems, p => p.Contains("locked statutory list", StringComparison.Ordinal));
        Assert.Empty(approvals.Proposals.List());
        Assert.Equal(ProposalRefusal.Invalid, approvals.Propose(Tech, changes.Current.Document, 1, Reason).Refusal);   // no change
    }

    [Fact]
    public void A_proposal_made_against_an_older_version_is_refused_as_stale_and_the_newer_policy_stays()
    {
        var (approvals, changes, audit) = Start();
        var first = approvals.Propose(Tech, BlockGambling(changes), 1, Reason).Proposal!;
        var second = approvals.Propose(Tech, Edit(changes, g => g with { Deny = ["example.org"] }), 1, "Deny example.org for the pupils").Proposal!;
        Assert.True(approvals.Approve(Dsl, first.Id, null).Ok);

        var stale = approvals.Approve(Head, second.Id, null);

        Assert.Equal(ProposalRefusal.Conflict, stale.Refusal);
        Assert.Contains("stale", stale.Message, StringComparison.Ordinal);
        Assert.Equal(ProposalState.Stale, approvals.Proposals.Get(second.Id)!.State);
        Assert.Equal(2, changes.Current.Version);
        Assert.Empty(changes.Current.Document.Groups[0].Deny);
        Assert.NotNull(audit.Last(PolicyApprovals.Stale));

        // A form still showing version 1 cannot even propose now.
        Assert.Equal(ProposalRefusal.Conflict, approvals.Propose(Tech, BlockGambling(changes), 1, Reason).Refusal);
    }

    [Fact]
    public void A_version_stored_by_another_process_the_service_has_not_picked_up_yet_still_makes_the_proposal_stale()
    {
        var (approvals, changes, _) = Start();
        var id = approvals.Propose(Tech, BlockGambling(changes), 1, Reason).Proposal!.Id;
        using (var cliStore = PolicyStore.Open(Path.Combine(_dir, "policy.db"), _time))
        {
            var cli = PolicyChangeService.Start(cliStore, new PolicyEngine(), PolicyLists.None, Seed, "cli", NullLogger.Instance);
            Assert.True(cli.Apply(Edit(changes, g => g with { YouTube = "strict" }), "tech", "policy set from the command line").Applied);
        }

        Assert.Equal(1, changes.Current.Version);   // not refreshed yet
        Assert.Equal(ProposalRefusal.Conflict, approvals.Approve(Dsl, id, null).Refusal);
        Assert.Equal(2, changes.Store.LatestVersion());
        Assert.Equal("strict", changes.Store.Current()!.Document.Groups[0].YouTube);
    }

    [Fact]
    public void The_proposer_withdraws_and_an_approver_rejects_with_a_reason()
    {
        var (approvals, changes, audit) = Start();
        var a = approvals.Propose(Tech, BlockGambling(changes), 1, Reason).Proposal!.Id;
        var b = approvals.Propose(Tech, Edit(changes, g => g with { SafeSearch = false }), 1, "Safe search breaks the art lessons").Proposal!.Id;

        Assert.Equal(ProposalRefusal.NotAllowed, approvals.Withdraw(Dsl, a).Refusal);   // only the proposer withdraws
        Assert.True(approvals.Withdraw(Tech, a).Ok);
        Assert.Equal(ProposalRefusal.Conflict, approvals.Approve(Head, a, null).Refusal);

        Assert.Contains("at least 10", approvals.Reject(Head, b, "no").Message, StringComparison.Ordinal);
        var rejected = approvals.Reject(Head, b, "Safe search stays on for pupils");
        Assert.True(rejected.Ok);
        Assert.Equal((ProposalState.Rejected, "head", "Safe search stays on for pupils"),
            (rejected.Proposal!.State, rejected.Proposal.DecidedBy, rejected.Proposal.DecisionReason));
        Assert.Equal(1, changes.Current.Version);
        Assert.Equal("tech", audit.Last(PolicyApprovals.Withdrawn)!.Actor);
        Assert.Contains("Safe search stays on", audit.Last(PolicyApprovals.Rejected)!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Proposals_and_decisions_survive_a_reopen()
    {
        long pending, rejected;
        {
            var (approvals, changes, _) = Start();
            pending = approvals.Propose(Tech, BlockGambling(changes), 1, Reason).Proposal!.Id;
            rejected = approvals.Propose(Tech, Edit(changes, g => g with { YouTube = "off" }), 1, "YouTube needed for music lessons").Proposal!.Id;
            approvals.Reject(Dsl, rejected, "Use the moderate setting instead");
            _open.ForEach(o => o.Dispose());
            _open.Clear();
        }

        var (again, after, _) = Start();
        var list = again.Proposals.List();
        Assert.Equal([pending, rejected], list.Select(p => p.Id));
        Assert.Equal((ProposalState.Pending, "tech", Reason, 1L), (list[0].State, list[0].Proposer, list[0].Reason, list[0].BaseVersion));
        Assert.Contains("gambling", list[0].Document.Groups[0].BlockedCategories);
        Assert.Equal((ProposalState.Rejected, "dsl", "Use the moderate setting instead"), (list[1].State, list[1].DecidedBy, list[1].DecisionReason));
        Assert.True(again.Approve(Head, pending, null).Ok);
        Assert.Equal(2, after.Current.Version);
    }

    private (PolicyApprovals Approvals, PolicyChangeService Changes, AuditLog Audit) Start()
    {
        var audit = AuditLog.Open(Path.Combine(_dir, "audit.db"), _time);
        var store = PolicyStore.Open(Path.Combine(_dir, "policy.db"), _time);
        _open.Add(store);
        _open.Add(audit);
        var changes = PolicyChangeService.Start(store, new PolicyEngine(), PolicyLists.None, Seed, "test", NullLogger.Instance, audit);
        return (new PolicyApprovals(PolicyProposals.Open(store, _time), changes, audit), changes, audit);
    }

    private static PolicyDocument BlockGambling(PolicyChangeService changes) => Edit(changes, g => g with { BlockedCategories = [.. g.BlockedCategories, "gambling"] });

    private static PolicyDocument Edit(PolicyChangeService changes, Func<GroupDefinition, GroupDefinition> change)
    {
        var document = changes.Current.Document;
        return document with { Groups = [change(document.Groups[0]), .. document.Groups.Skip(1)] };
    }
}
