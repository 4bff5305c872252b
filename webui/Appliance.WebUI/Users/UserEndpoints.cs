using Appliance.Radius.Users;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Users;

/// <summary>
/// The technician's Users page (staff and pupils' Wi-Fi accounts, guests too): search, add, disable or enable, a new
/// password (shown once), remove a guest. Every change goes through the store RADIUS reads, which audits it with the
/// signed-in account as the actor and never records a password.
/// </summary>
internal static class UserEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = Navigation.Users.Roles;
        app.MapGet(Navigation.Users.Path, Show).RequireRoles(roles);
        app.MapPost(Navigation.Users.Path, Add).RequireRoles(roles);
        app.MapPost("/users/disable", Disable).RequireRoles(roles);
        app.MapPost("/users/enable", Enable).RequireRoles(roles);
        app.MapPost("/users/password", ResetPassword).RequireRoles(roles);
        app.MapPost("/users/remove", Remove).RequireRoles(roles);
        UserImportEndpoints.Map(app);
        UserApi.Map(app);
    }

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult Show(HttpContext context, [FromQuery] string? search, [FromQuery] string? kind, [FromQuery] string? group,
        [FromQuery] string? year, [FromQuery] string? state, [FromQuery] int? offset) =>
        Page(context, new UserFilter(search, kind, group, year, state, offset ?? 0), null);

    private static IResult Add(HttpContext context, [FromForm] string name, [FromForm] string kind, [FromForm] string? group, [FromForm] string? year,
        [FromForm] string? firstName, [FromForm] string? lastName, [FromForm] string? password, [FromForm] string? papOnly) => Change(context, store =>
    {
        if (!UserKinds.TryParse(kind ?? "", out var parsedKind))
        {
            return Outcome.Refused($"Kind: '{kind}' is not staff or pupil.");
        }

        if (!UserFilter.TryParseYear(year, out var yearGroup))
        {
            return Outcome.Refused(UserFilter.YearProblem(year));
        }

        var (user, generated) = UserActions.Add(store, new NewUser
        {
            Name = name,
            Kind = parsedKind,
            Group = string.IsNullOrWhiteSpace(group) ? null : group,
            YearGroup = yearGroup,
            FirstName = firstName,
            LastName = lastName,
            StoreNtHash = papOnly is null,
        }, password, Wifi.Actor(context));
        return new Outcome($"Added {user.Name} ({UserKinds.Name(user.Kind)}, group {user.Group}).", false, generated, user.Name);
    });

    private static IResult Disable(HttpContext context, [FromForm] string name) =>
        Change(context, store => Outcome.Done($"Disabled {UserActions.SetEnabled(store, name, false, Wifi.Actor(context)).Name}: their logins are refused."));

    private static IResult Enable(HttpContext context, [FromForm] string name) =>
        Change(context, store => Outcome.Done($"Enabled {UserActions.SetEnabled(store, name, true, Wifi.Actor(context)).Name} (and ended any lockout)."));

    private static IResult ResetPassword(HttpContext context, [FromForm] string name) => Change(context, store =>
    {
        var password = UserActions.ResetPassword(store, name, Wifi.Actor(context));
        var user = store.Get(name)!;
        return new Outcome($"New password set for {user.Name} (any lockout ended).", false, password, user.Name);
    });

    private static IResult Remove(HttpContext context, [FromForm] string name) => Change(context, store =>
        store.RemoveGuest(name, Wifi.Actor(context))
            ? Outcome.Done($"Removed guest {UserNames.Canonicalize(name)}.")
            : Outcome.Refused($"No user '{UserNames.Printable(name)}'."));

    // Runs a change and answers with the page (its search reset, so the changed user can be found), or the store's refusal.
    private static IResult Change(HttpContext context, Func<UserStore, Outcome> change)
    {
        if (Wifi.Store(context) is not { } store)
        {
            return Wifi.Off(context);
        }

        Outcome outcome;
        try
        {
            outcome = change(store);
        }
        catch (Exception ex) when (ex is UserInputException or UserStoreException)
        {
            outcome = Outcome.Refused(ex.Message);
        }

        return Page(context, new UserFilter(null, null, null, null, null), outcome);
    }

    private static IResult Page(HttpContext context, UserFilter filter, Outcome? outcome)
    {
        if (Wifi.Store(context) is not { } store)
        {
            return Wifi.Off(context);
        }

        var (query, problem) = filter.ToQuery();
        var result = query is null ? new UserPage([], 0) : store.List(query);
        return Slices.Users.Create(new UsersPage(Frames.For(context, Navigation.Users.Title), filter, result,
            outcome ?? (problem is null ? null : Outcome.Refused(problem))));
    }
#pragma warning restore CA1859
}
