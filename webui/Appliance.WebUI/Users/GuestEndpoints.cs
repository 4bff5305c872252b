using System.Globalization;
using Appliance.Radius.Users;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Users;

/// <summary>
/// Guests' Wi-Fi accounts, for the staff who sponsor them: create one (the sponsor is the signed-in person; a
/// technician may name another), see the printable voucher with its password this once, list and end them early. A
/// teacher sees only the guests they sponsor, on the page and in /api/guests alike; a technician sees all.
/// </summary>
internal static class GuestEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = Navigation.Guests.Roles;
        app.MapGet(Navigation.Guests.Path, Show).RequireRoles(roles);
        app.MapPost(Navigation.Guests.Path, Add).RequireRoles(roles);
        app.MapPost("/guests/end", End).RequireRoles(roles);

        app.MapGet("/api/guests", (HttpContext context) => UserApi.Run(context, store =>
        {
            var guests = UserActions.GuestsFor(store, Account(context));
            return UserApi.Ok(new UserListJson(guests.Count, [.. guests.Select(UserJson.Of)]), UsersJson.Default.UserListJson);
        })).RequireRoles(roles);
        app.MapPost("/api/guests", AddJson).RequireRoles(roles);
        app.MapPost("/api/guests/{name}/end", (HttpContext context, string name) => UserApi.Run(context, store =>
            UserApi.Ok(UserJson.Of(UserActions.EndGuest(store, Account(context), name)), UsersJson.Default.UserJson))).RequireRoles(roles);
    }

    private static WebAccount Account(HttpContext context) => Frames.SignedIn(context.User)!;

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult Show(HttpContext context) => Page(context, null);

    private static IResult Add(HttpContext context, [FromForm] string? name, [FromForm] string? sponsor, [FromForm] string? reason, [FromForm] string? hours)
    {
        if (Wifi.Service(context) is not { Users: { } store } wifi)
        {
            return Wifi.Off(context);
        }

        if (!double.TryParse(hours, NumberStyles.Float, CultureInfo.InvariantCulture, out var stay))
        {
            return Page(context, Outcome.Refused($"Valid for: '{hours}' is not a number of hours."));
        }

        try
        {
            var voucher = UserActions.AddGuest(context, store, name, sponsor, reason, stay, null, null);
            return Slices.Voucher.Create(new VoucherPage(Frames.For(context, "Guest voucher"), voucher.User, voucher.Password, JoiningFacts.From(wifi)));
        }
        catch (Exception ex) when (ex is UserInputException or UserStoreException)
        {
            return Page(context, Outcome.Refused(ex.Message));
        }
    }

    private static IResult End(HttpContext context, [FromForm] string name)
    {
        if (Wifi.Store(context) is not { } store)
        {
            return Wifi.Off(context);
        }

        try
        {
            var guest = UserActions.EndGuest(store, Account(context), name);
            return Page(context, Outcome.Done($"Ended {guest.Name}'s access: their logins are refused and their session is ended."));
        }
        catch (Exception ex) when (ex is UserInputException or UserStoreException)
        {
            return Page(context, Outcome.Refused(ex.Message));
        }
    }

    private static IResult Page(HttpContext context, Outcome? outcome)
    {
        if (Wifi.Store(context) is not { } store)
        {
            return Wifi.Off(context);
        }

        var account = Account(context);
        return Slices.Guests.Create(new GuestsPage(Frames.For(context, Navigation.Guests.Title), UserActions.GuestsFor(store, account),
            account.Role == WebRole.Technician, outcome));
    }
#pragma warning restore CA1859

    private static async Task<IResult> AddJson(HttpContext context, CancellationToken aborted)
    {
        var request = await UserApi.ReadJson(context, UsersJson.Default.NewGuestJson, aborted);
        return UserApi.Run(context, store =>
        {
            if (request is null)
            {
                return Wifi.ApiError("the body must be JSON: {\"reason\": …, \"hours\": N or \"expiresAt\": time, optional name, sponsor (technicians), group (technicians)}");
            }

            var voucher = UserActions.AddGuest(context, store, request.Name, request.Sponsor, request.Reason, request.Hours, request.ExpiresAt, request.Group);
            return UserApi.Ok(new CreatedJson(UserJson.Of(voucher.User), voucher.Password), UsersJson.Default.CreatedJson, StatusCodes.Status201Created);
        });
    }
}
