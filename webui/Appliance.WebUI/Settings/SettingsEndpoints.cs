using Appliance.Core.Events;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Settings;

/// <summary>
/// The technician's Settings page and <c>/api/settings</c>: the effective settings with where each came from, and a form
/// to change the upstream resolvers and the journal's retention. A change is checked like a start, written to the
/// configuration file, audited with its reason, and taken by restarting the box's services in-process.
/// </summary>
internal static class SettingsEndpoints
{
    public const string ApiPath = "/api/settings";

    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = Navigation.Settings.Roles;
        app.MapGet(Navigation.Settings.Path, Show).RequireRoles(roles);
        app.MapPost(Navigation.Settings.Path, Change).RequireRoles(roles);
        app.MapGet(ApiPath, (HttpContext context) => Results.Json(Source(context).Read(), SettingsJsonContext.Default.SettingsView)).RequireRoles(roles);
        app.MapPost(ApiPath, ChangeByApi).RequireRoles(roles);
    }

    private static ISettingsSource Source(HttpContext context) => context.RequestServices.GetRequiredService<ISettingsSource>();

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult Show(HttpContext context)
    {
        var view = Source(context).Read();
        return Page(context, view, SettingsFormValues.Of(view.Editable), [], null);
    }

    private static IResult Change(HttpContext context, [FromForm] string? upstreams, [FromForm] string? queryRetentionDays, [FromForm] string? blockRetentionDays,
        [FromForm] string? auditRetentionDays, [FromForm] string? reason)
    {
        var source = Source(context);
        var view = source.Read();
        var form = new SettingsFormValues(upstreams ?? "", queryRetentionDays ?? "", blockRetentionDays ?? "", auditRetentionDays ?? "", reason ?? "");
        var (edit, problems) = view.ConfigFile is null ? (null, NoFile) : SettingsForm.Read(form, view);
        if (edit is not null)
        {
            problems = Commit(context, source, edit);
        }

        return problems.Count > 0
            ? Page(context, view, form, problems, new Notice("Nothing was changed: fix the fields named below.", true))
            : Page(context, view, form with { Reason = "" }, [], new Notice(
                $"Saved {string.Join(", ", SettingsForm.Changed(edit!))} to {view.ConfigFile}. The box is restarting its services to take the change; reload this page in a few seconds.", false));
    }

    private static IResult Page(HttpContext context, SettingsView view, SettingsFormValues form, IReadOnlyList<FieldProblem> problems, Notice? notice) =>
        Slices.Settings.Create(new SettingsPage(Frames.For(context, Navigation.Settings.Title), view, form, problems, notice));
#pragma warning restore CA1859

    private static async Task<IResult> ChangeByApi(HttpContext context, [FromServices] ISettingsSource source)
    {
        SettingsEdit? edit;
        try
        {
            edit = await context.Request.ReadFromJsonAsync(SettingsJsonContext.Default.SettingsEdit);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return Results.Json(new SettingsChangeView([], [new FieldProblem("body", ex.Message)], false), SettingsJsonContext.Default.SettingsChangeView, statusCode: 400);
        }

        var view = source.Read();
        IReadOnlyList<FieldProblem> problems = edit is null ? [new FieldProblem("body", "expected a JSON object")]
            : view.ConfigFile is null ? NoFile
            : string.IsNullOrWhiteSpace(edit.Reason) ? [new FieldProblem("reason", "is required: say why the settings change")]
            : SettingsForm.Changed(edit).Where(view.Locked.ContainsKey).Select(f => new FieldProblem(f, $"cannot be changed here: {view.Locked[f]}")).ToList();
        if (problems.Count == 0)
        {
            problems = Commit(context, source, edit!);
        }

        return Results.Json(new SettingsChangeView(problems.Count == 0 ? SettingsForm.Changed(edit!) : [], problems, problems.Count == 0),
            SettingsJsonContext.Default.SettingsChangeView, statusCode: problems.Count == 0 ? 200 : 400);
    }

    private static readonly IReadOnlyList<FieldProblem> NoFile =
        [new FieldProblem("settings", "the box runs on the embedded local default: create a configuration file and start it with --config FILE to change settings")];

    // Written, audited, then restarted once the answer has gone out (a restart stops the web server too).
    private static IReadOnlyList<FieldProblem> Commit(HttpContext context, ISettingsSource source, SettingsEdit edit)
    {
        var problems = source.Apply(edit);
        if (problems.Count > 0)
        {
            return problems;
        }

        var changed = SettingsForm.Changed(edit);
        WebAudit.Record(context, "webui.settings.changed", string.Join(",", changed), AuditDetail.Of(
            ("upstreams", edit.Upstreams is null ? null : string.Join(" ", edit.Upstreams)),
            ("queryRetentionDays", edit.QueryRetentionDays), ("blockRetentionDays", edit.BlockRetentionDays), ("auditRetentionDays", edit.AuditRetentionDays),
            ("reason", edit.Reason)));
        context.Response.OnCompleted(() =>
        {
            source.Restart($"settings changed in the web UI by {context.User.Identity?.Name}");
            return Task.CompletedTask;
        });
        return [];
    }
}
