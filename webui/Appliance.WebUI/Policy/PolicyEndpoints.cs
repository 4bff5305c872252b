using System.Globalization;
using System.Text.Json;
using Appliance.Core.Policy;
using Appliance.Journal.Audit;
using Appliance.Policy;
using Appliance.Policy.Lists;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Policy;

/// <summary>
/// The policy page and its API (issue 8): the current policy, proposals under the two-person rule, their diffs and
/// decisions. Anyone on the page may propose; approving and rejecting need a DSL or head (checked here and again by
/// <see cref="PolicyApprovals"/>, which also refuses self-approval).
/// </summary>
internal static class PolicyEndpoints
{
    private const string Title = "Policy";

    /// <summary>The two-person rule over the policy service (whose database also keeps the proposals) and the audit log.</summary>
    public static void AddServices(IServiceCollection services) => services.AddSingleton(sp =>
    {
        var changes = sp.GetRequiredService<PolicyChangeService>();
        return new PolicyApprovals(PolicyProposals.Open(changes.Store, sp.GetService<TimeProvider>()), changes, sp.GetRequiredService<AuditLog>());
    });

    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = Navigation.Policy.Roles;
        var approvers = PolicyApprovals.Approvers;
        app.MapGet(Navigation.Policy.Path, Show).RequireRoles(roles);
        app.MapPost("/policy/group", ProposeGroup).RequireRoles(roles);
        app.MapPost("/policy/schedule", ProposeSchedule).RequireRoles(roles);
        app.MapPost("/policy/schedule/remove", ProposeScheduleRemoval).RequireRoles(roles);
        app.MapPost("/policy/proposals/{id:long}/approve", Approve).RequireRoles(approvers);
        app.MapPost("/policy/proposals/{id:long}/reject", Reject).RequireRoles(approvers);
        app.MapPost("/policy/proposals/{id:long}/withdraw", Withdraw).RequireRoles(roles).WithMetadata(new RequireAntiforgeryTokenAttribute());   // it reads no form, so say it

        app.MapGet("/api/policy", ApiCurrent).RequireRoles(roles);
        app.MapGet("/api/policy/proposals", ApiList).RequireRoles(roles);
        app.MapPost("/api/policy/proposals", ApiPropose).RequireRoles(roles);
        app.MapPost("/api/policy/proposals/{id:long}/approve", (HttpContext c, PolicyApprovals a, long id) => ApiDecide(c, a, id, (who, why) => a.Approve(who, id, why)))
            .RequireRoles(approvers);
        app.MapPost("/api/policy/proposals/{id:long}/reject", (HttpContext c, PolicyApprovals a, long id) => ApiDecide(c, a, id, (who, why) => a.Reject(who, id, why)))
            .RequireRoles(approvers);
        app.MapPost("/api/policy/proposals/{id:long}/withdraw", (HttpContext c, PolicyApprovals a, long id) => ApiDecide(c, a, id, (who, _) => a.Withdraw(who, id)))
            .RequireRoles(roles);
    }

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult Show(HttpContext context, PolicyApprovals approvals) => Page(context, approvals, null);

    private static IResult ProposeGroup(HttpContext context, PolicyApprovals approvals, IFormCollection form)
    {
        var document = PolicyEdits.WithGroup(approvals.Current.Document, form["group"].ToString(), [.. form["blocked"].OfType<string>()],
            form["safeSearch"] == "on", form["youTube"].ToString(), form["allow"], form["deny"]);
        return Propose(context, approvals, form, document);
    }

    private static IResult ProposeSchedule(HttpContext context, PolicyApprovals approvals, IFormCollection form)
    {
        var schedule = new ScheduleDefinition
        {
            Name = form["name"].ToString().Trim(),
            Days = [.. form["days"].OfType<string>()],
            From = form["from"].ToString().Trim(),
            To = form["to"].ToString().Trim(),
            When = form["when"].ToString(),
            Block = PolicyEdits.Lines(form["block"]),
            Unblock = PolicyEdits.Lines(form["unblock"]),
        };
        return Propose(context, approvals, form, string.IsNullOrWhiteSpace(schedule.Name) ? null : PolicyEdits.WithSchedule(approvals.Current.Document, form["group"].ToString(), schedule),
            schedule.Name.Length == 0 ? "Give the schedule a name." : null);
    }

    private static IResult ProposeScheduleRemoval(HttpContext context, PolicyApprovals approvals, IFormCollection form)
        => Propose(context, approvals, form, PolicyEdits.WithoutSchedule(approvals.Current.Document, form["group"].ToString(), form["name"].ToString()));

    private static IResult Approve(HttpContext context, PolicyApprovals approvals, long id, IFormCollection form)
        => Page(context, approvals, approvals.Approve(Frames.SignedIn(context.User)!, id, form["note"]));

    private static IResult Reject(HttpContext context, PolicyApprovals approvals, long id, IFormCollection form)
        => Page(context, approvals, approvals.Reject(Frames.SignedIn(context.User)!, id, form["reason"]));

    private static IResult Withdraw(HttpContext context, PolicyApprovals approvals, long id)
        => Page(context, approvals, approvals.Withdraw(Frames.SignedIn(context.User)!, id));

    // A form changes the current document; the hidden baseVersion says which version the person saw, and if that is no
    // longer the current one PolicyApprovals refuses the proposal, so nothing newer is silently lost.
    private static IResult Propose(HttpContext context, PolicyApprovals approvals, IFormCollection form, PolicyDocument? document, string? problem = null)
    {
        if (!long.TryParse(form["baseVersion"], NumberStyles.None, CultureInfo.InvariantCulture, out var basedOn))
        {
            return Page(context, approvals, new ProposalOutcome(false, "The form did not say which version it changes; reload the page.", null, []));
        }

        if (document is null)
        {
            return Page(context, approvals, new ProposalOutcome(false, problem ?? $"There is no group '{form["group"]}' in the current policy.", null, []));
        }

        return Page(context, approvals, approvals.Propose(Frames.SignedIn(context.User)!, document, basedOn, form["reason"]));
    }

    private static IResult Page(HttpContext context, PolicyApprovals approvals, ProposalOutcome? outcome)
        => Slices.Policy.Create(new PolicyPage(Frames.For(context, Title), approvals.Current,
            StatutoryListView.From(context.RequestServices.GetService<ListRefresher>()), approvals.Proposals.List(),
            outcome?.Message, outcome is { Ok: false }, outcome?.Problems ?? []));
#pragma warning restore CA1859

    private static IResult ApiCurrent(HttpContext context, PolicyApprovals approvals)
    {
        var current = approvals.Current;
        return Results.Json(new PolicyView(current.Version, current.At, current.Actor, current.Reason, current.Document.SecurityCategories,
            StatutoryListView.From(context.RequestServices.GetService<ListRefresher>()), current.Document), PolicyApiJsonContext.Default.PolicyView);
    }

    private static IResult ApiList(PolicyApprovals approvals)
        => Results.Json([.. approvals.Proposals.List().Select(ProposalView.From)], PolicyApiJsonContext.Default.IReadOnlyListProposalView);

    private static async Task<IResult> ApiPropose(HttpContext context, PolicyApprovals approvals)
    {
        var (request, problem) = await ReadAsync(context, PolicyApiJsonContext.Default.ProposalRequest);
        if (request?.Document is null)
        {
            return Problem(StatusCodes.Status400BadRequest, problem ?? "the body needs baseVersion, reason and document (the whole policy the change makes)");
        }

        var outcome = approvals.Propose(Frames.SignedIn(context.User)!, request.Document, request.BaseVersion, request.Reason);
        return outcome.Ok ? Results.Json(ProposalView.From(outcome.Proposal!), PolicyApiJsonContext.Default.ProposalView, statusCode: StatusCodes.Status201Created) : Refused(outcome);
    }

    private static async Task<IResult> ApiDecide(HttpContext context, PolicyApprovals approvals, long id, Func<Accounts.WebAccount, string?, ProposalOutcome> decide)
    {
        // An empty body is fine (an approval without a note, a withdrawal).
        DecisionRequest? request = null;
        if (context.Request.ContentLength is not 0 && context.Request.HasJsonContentType())
        {
            (request, var problem) = await ReadAsync(context, PolicyApiJsonContext.Default.DecisionRequest);
            if (problem is not null)
            {
                return Problem(StatusCodes.Status400BadRequest, problem);
            }
        }

        var outcome = decide(Frames.SignedIn(context.User)!, request?.Reason);
        return outcome.Ok ? Results.Json(ProposalView.From(outcome.Proposal!), PolicyApiJsonContext.Default.ProposalView) : Refused(outcome);
    }

    private static async Task<(T? Value, string? Problem)> ReadAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        if (!context.Request.HasJsonContentType())
        {
            return (default, "send JSON (Content-Type: application/json)");
        }

        try
        {
            return (await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted), null);
        }
        catch (JsonException ex)
        {
            return (default, $"the body is not valid: {ex.Message}");
        }
    }

    private static IResult Refused(ProposalOutcome outcome) => Results.Json(
        new ProblemView(outcome.Message, outcome.Problems, outcome.Proposal is null ? null : ProposalView.From(outcome.Proposal)),
        PolicyApiJsonContext.Default.ProblemView,
        statusCode: outcome.Refusal switch
        {
            ProposalRefusal.NotAllowed => StatusCodes.Status403Forbidden,
            ProposalRefusal.NotFound => StatusCodes.Status404NotFound,
            ProposalRefusal.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        });

    private static IResult Problem(int status, string message)
        => Results.Json(new ProblemView(message, [], null), PolicyApiJsonContext.Default.ProblemView, statusCode: status);
}
