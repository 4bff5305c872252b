using Appliance.Core.Events;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Accounts;

/// <summary>
/// The technician's page of web UI accounts and API tokens: add, change role, disable and enable, reset a password,
/// turn off a lost second factor, remove; make and revoke tokens. Every change is audited; none can remove or demote
/// the last enabled technician.
/// </summary>
internal static class AccountEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var path = Navigation.Accounts.Path;
        var roles = Navigation.Accounts.Roles;
        app.MapGet(path, (HttpContext context, AccountStore accounts, ApiTokenStore tokens) => Page(context, accounts, tokens, null)).RequireRoles(roles);
        app.MapPost(path, Add).RequireRoles(roles);
        app.MapPost(path + "/role", (HttpContext context, AccountStore accounts, ApiTokenStore tokens, [FromForm] string name, [FromForm] string role) =>
            WebRoles.TryParse(role, out var parsed)
                ? Done(context, accounts, tokens, accounts.SetRole(name, parsed), "webui.account.role", name, $"{name} is now {WebRoles.Name(parsed)}.", ("role", WebRoles.Name(parsed)))
                : Page(context, accounts, tokens, new Notice($"'{role}' is not a role.", true))).RequireRoles(roles);
        app.MapPost(path + "/enabled", (HttpContext context, AccountStore accounts, ApiTokenStore tokens, [FromForm] string name, [FromForm] bool enabled) =>
            Done(context, accounts, tokens, accounts.SetEnabled(name, enabled), enabled ? "webui.account.enabled" : "webui.account.disabled", name,
                enabled ? $"{name} can sign in again." : $"{name} is disabled and signed out.")).RequireRoles(roles);
        app.MapPost(path + "/password", (HttpContext context, AccountStore accounts, ApiTokenStore tokens, [FromForm] string name, [FromForm] string password) =>
            Done(context, accounts, tokens, accounts.SetPassword(name, password), "webui.account.password-reset", name,
                $"{name}'s password is reset and their sessions ended; give them the new one in person.")).RequireRoles(roles);
        app.MapPost(path + "/second-factor/off", (HttpContext context, AccountStore accounts, ApiTokenStore tokens, [FromForm] string name) =>
            Done(context, accounts, tokens, accounts.DisableSecondFactor(name), "webui.account.second-factor-off", name,
                $"{name}'s authenticator is removed; they can set up a new one under My account.")).RequireRoles(roles);
        app.MapPost(path + "/remove", (HttpContext context, AccountStore accounts, ApiTokenStore tokens, [FromForm] string name) =>
            Done(context, accounts, tokens, accounts.Remove(name), "webui.account.removed", name, $"{name} is removed.")).RequireRoles(roles);
        app.MapPost(path + "/tokens", MakeToken).RequireRoles(roles);
        app.MapPost(path + "/tokens/revoke", (HttpContext context, AccountStore accounts, ApiTokenStore tokens, [FromForm] long id) =>
            Done(context, accounts, tokens, tokens.Revoke(id) ? null : "That token does not exist or is already revoked.", "webui.token.revoked", $"token {id}",
                "The token is revoked: calls with it now get 401.")).RequireRoles(roles);
    }

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult Page(HttpContext context, AccountStore accounts, ApiTokenStore tokens, Notice? notice, string? newToken = null) =>
        Slices.Accounts.Create(new AccountsPage(Frames.For(context, "Accounts"), accounts.List(), tokens.List(), notice, newToken));

    private static IResult Add(HttpContext context, AccountStore accounts, ApiTokenStore tokens, [FromForm] string name, [FromForm] string role, [FromForm] string password)
    {
        var problem = WebRoles.TryParse(role, out var parsed) ? accounts.Add(name, parsed, password) : $"'{role}' is not a role.";
        var added = name.Trim().ToLowerInvariant();
        return Done(context, accounts, tokens, problem, "webui.account.added", added, $"Added {added} ({WebRoles.Name(parsed)}).", ("role", WebRoles.Name(parsed)));
    }

    private static IResult MakeToken(HttpContext context, AccountStore accounts, ApiTokenStore tokens, [FromForm] string name, [FromForm] string role, [FromForm] int days)
    {
        if (!WebRoles.TryParse(role, out var parsed))
        {
            return Page(context, accounts, tokens, new Notice($"'{role}' is not a role.", true));
        }

        var (token, problem) = tokens.Create(name, parsed, days, context.User.Identity!.Name!);
        if (problem is not null)
        {
            return Page(context, accounts, tokens, new Notice(problem, true));
        }

        WebAudit.Record(context, "webui.token.created", name.Trim(), AuditDetail.Of(("role", WebRoles.Name(parsed)), ("days", days.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        return Page(context, accounts, tokens, new Notice("Token made. Copy it now: it is not shown again.", false), token);
    }

    private static IResult Done(HttpContext context, AccountStore accounts, ApiTokenStore tokens, string? problem, string action, string subject, string done,
        params (string Name, object? Value)[] detail)
    {
        if (problem is null)
        {
            WebAudit.Record(context, action, subject.Trim().ToLowerInvariant(), AuditDetail.Of(detail));
        }

        return Page(context, accounts, tokens, problem is null ? new Notice(done, false) : new Notice(problem, true));
    }
#pragma warning restore CA1859
}
