using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Accounts;

/// <summary>The technician's page of web UI accounts.</summary>
internal static class AccountEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(Navigation.Accounts.Path, Show).RequireRoles(Navigation.Accounts.Roles);
        app.MapPost(Navigation.Accounts.Path, Add).RequireRoles(Navigation.Accounts.Roles);
    }

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult Show(HttpContext context, AccountStore accounts) =>
        Slices.Accounts.Create(new AccountsPage(Frames.For(context, "Accounts"), accounts.List(), null, false));

    private static IResult Add(HttpContext context, AccountStore accounts, [FromForm] string name, [FromForm] string role, [FromForm] string password)
    {
        var problem = WebRoles.TryParse(role, out var parsed) ? accounts.Add(name, parsed, password) : $"'{role}' is not a role.";
        var message = problem ?? $"Added {name.Trim().ToLowerInvariant()} ({WebRoles.Name(parsed)}).";
        return Slices.Accounts.Create(new AccountsPage(Frames.For(context, "Accounts"), accounts.List(), message, problem is not null));
    }
#pragma warning restore CA1859
}
