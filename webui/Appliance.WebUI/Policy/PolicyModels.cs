using System.Text.Json.Serialization;
using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.Policy;
using Appliance.Policy.Lists;
using Appliance.WebUI.Pages;

namespace Appliance.WebUI.Policy;

/// <summary>
/// A locked statutory list as the page shows it: which list, where it comes from, how fresh the box's copy is. Never its
/// content, nor how many names it holds.
/// </summary>
/// <param name="Name">"IWF child sexual abuse list" or "Police-assessed terrorism list (CTIRU)".</param>
/// <param name="Source">The file or URL, without any user name, password or query (which may carry a licence key).</param>
/// <param name="Status">The last refresh's outcome.</param>
/// <param name="LastGood">When the copy in use was fetched (null: there is none yet).</param>
/// <param name="Fingerprint">The first 16 hex digits of the copy's SHA-256, to compare with the LA's.</param>
public sealed record StatutoryListView(string Name, string Source, string Status, DateTimeOffset? LastGood, string? Fingerprint)
{
    public static IReadOnlyList<StatutoryListView> From(ListRefresher? refresher)
    {
        if (refresher is null)
        {
            return [];
        }

        var statuses = refresher.Statuses;
        return [.. refresher.Sources.Where(s => (Categories.Bit(s.Category) & Categories.Locked) != 0).Select(s =>
        {
            var status = statuses.FirstOrDefault(t => t.Source == s.Source);
            return new StatutoryListView(
                s.Category == Category.StatutoryIwf ? "IWF child sexual abuse list" : "Police-assessed terrorism list (CTIRU)",
                Redact(s.Source),
                status is null ? "not checked yet" : status.Outcome.ToString().ToLowerInvariant(),
                status?.LastGood,
                status?.Sha256 is { Length: >= 16 } sha ? sha[..16] : null);
        })];
    }

    // Where a list comes from, and no more: a URL's scheme and host (its user, password, path and query may carry the
    // licence key), or a local file's name (not the folder it sits in).
    private static string Redact(string source)
        => Uri.TryCreate(source, UriKind.Absolute, out var uri) && !uri.IsFile
            ? $"{uri.Scheme}://{uri.Host}{(uri.IsDefaultPort ? "" : ":" + uri.Port)}/…"
            : Path.GetFileName(source);
}

/// <summary>The policy page: the current version, the locked lists, the proposals, and the outcome of the last step.</summary>
public sealed record PolicyPage(
    PageFrame Frame,
    PolicyVersion Current,
    IReadOnlyList<StatutoryListView> Statutory,
    IReadOnlyList<PolicyProposal> Proposals,
    string? Message,
    bool IsError,
    IReadOnlyList<string> Problems)
{
    public bool MayApprove => Frame.Account is { } a && PolicyApprovals.Approvers.Contains(a.Role);

    public bool IsMine(PolicyProposal proposal) => string.Equals(Frame.Account?.Name, proposal.Proposer, StringComparison.OrdinalIgnoreCase);

    /// <summary>Times in UTC, marked as such (as the rest of the web UI).</summary>
    public static string When(DateTimeOffset? at)
        => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " UTC" : "never";

    public static string List(IReadOnlyList<string> items) => items.Count == 0 ? "none" : string.Join(", ", items);

    /// <summary>The subnets whose clients fall in <paramref name="group"/>.</summary>
    public IReadOnlyList<string> SubnetsOf(string group)
        => [.. Current.Document.Subnets.Where(s => string.Equals(s.Group, group, StringComparison.OrdinalIgnoreCase)).Select(s => s.Subnet)];
}

/// <summary>GET /api/policy: the current version and what is locked.</summary>
public sealed record PolicyView(long Version, DateTimeOffset At, string Actor, string Reason, IReadOnlyList<string> SecurityCategories,
    IReadOnlyList<StatutoryListView> StatutoryLists, PolicyDocument Document);

/// <summary>A proposal as the API shows it.</summary>
public sealed record ProposalView(long Id, DateTimeOffset At, string Proposer, string ProposerRole, string Reason, long BaseVersion, string Summary,
    string State, string? DecidedBy, DateTimeOffset? DecidedAt, string? DecisionReason, string? LastError, long? AppliedVersion, PolicyDocument Document)
{
    public static ProposalView From(PolicyProposal p) => new(p.Id, p.At, p.Proposer, p.ProposerRole, p.Reason, p.BaseVersion, p.Summary,
        PolicyProposals.StateName(p.State), p.DecidedBy, p.DecidedAt, p.DecisionReason, p.LastError, p.AppliedVersion, p.Document);
}

/// <summary>POST /api/policy/proposals: the whole document the change makes, the version it was made against, and why.</summary>
public sealed record ProposalRequest(long BaseVersion, string? Reason, PolicyDocument? Document);

/// <summary>POST /api/policy/proposals/{id}/approve|reject: an approval's optional note, a rejection's required reason.</summary>
public sealed record DecisionRequest(string? Reason);

/// <summary>What a refused or failed API call answers.</summary>
public sealed record ProblemView(string Error, IReadOnlyList<string> Problems, ProposalView? Proposal);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PolicyView))]
[JsonSerializable(typeof(ProposalView))]
[JsonSerializable(typeof(IReadOnlyList<ProposalView>))]
[JsonSerializable(typeof(ProposalRequest))]
[JsonSerializable(typeof(DecisionRequest))]
[JsonSerializable(typeof(ProblemView))]
internal sealed partial class PolicyApiJsonContext : JsonSerializerContext;
