using System.Security.Claims;
using Appliance.WebUI.Accounts;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Access;

/// <summary>First-run setup, sign-in and sign-out: the only pages open to someone not signed in.</summary>
internal static class SignInEndpoints
{
    public const string RateLimit = "sign-in";

    /// <summary>A failed sign-in answers after this, so guessing is slow even before the lockout.</summary>
    private static readonly TimeSpan FailureDelay = TimeSpan.FromSeconds(1);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/setup", ShowSetup).AllowAnonymous();
        app.MapPost("/setup", SetupAsync).AllowAnonymous().RequireRateLimiting(RateLimit);
        app.MapGet("/login", ShowLogin).AllowAnonymous();
        app.MapPost("/login", LoginAsync).AllowAnonymous().RequireRateLimiting(RateLimit);
        app.MapPost("/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync(WebUi.CookieScheme);
            return Results.Redirect("/login");
        }).RequireAuthorization().WithMetadata(new RequireAntiforgeryTokenAttribute());   // it reads no form, so say it
    }

    // Handlers are declared IResult: the request delegate generator cannot see the types the Razor generator makes.
#pragma warning disable CA1859
    private static IResult ShowSetup(HttpContext context, AccountStore accounts) =>
        accounts.HasAccounts ? Results.Redirect("/login") : Slices.Setup.Create(new SetupPage(Frames.For(context, "Set up"), null));

    private static IResult ShowLogin(HttpContext context, AccountStore accounts, [FromQuery(Name = "ReturnUrl")] string? returnUrl) =>
        !accounts.HasAccounts ? Results.Redirect("/setup") : Slices.Login.Create(new LoginPage(Frames.For(context, "Sign in"), null, returnUrl));
#pragma warning restore CA1859

    private static async Task<IResult> SetupAsync(HttpContext context, AccountStore accounts, [FromForm] string code, [FromForm] string name, [FromForm] string password)
    {
        if (accounts.CompleteSetup(code, name, password) is { } problem)
        {
            await Task.Delay(FailureDelay);
            return Slices.Setup.Create(new SetupPage(Frames.For(context, "Set up"), problem));
        }

        await SignInAsync(context, new WebAccount(name.Trim().ToLowerInvariant(), WebRole.Technician));
        return Results.Redirect("/");
    }

    private static async Task<IResult> LoginAsync(HttpContext context, AccountStore accounts, [FromForm] string name, [FromForm] string password,
        [FromForm] string? returnUrl)
    {
        var (outcome, account) = accounts.SignIn(name, password);
        if (outcome != SignInOutcome.Accepted)
        {
            await Task.Delay(FailureDelay);
            var error = outcome == SignInOutcome.LockedOut
                ? "Too many failed attempts: this account is locked for 15 minutes."
                : "That name and password do not match an account.";
            return Slices.Login.Create(new LoginPage(Frames.For(context, "Sign in"), error, returnUrl));
        }

        await SignInAsync(context, account!);
        // Only a local path: an attacker's link must not bounce a fresh session to another site.
        return Results.LocalRedirect(SafeReturn(returnUrl));
    }

    // A local path only (no "//host", "/\\host", control characters), and never back to a POST-only endpoint.
    private static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: > 1 } local && local[0] == '/' && local[1] is not ('/' or '\\') && !local.Any(char.IsControl)
            && !local.StartsWith("/logout", StringComparison.OrdinalIgnoreCase)
            ? local
            : "/";

    private static Task SignInAsync(HttpContext context, WebAccount account) => context.SignInAsync(WebUi.CookieScheme, new ClaimsPrincipal(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, account.Name), new Claim(ClaimTypes.Role, WebRoles.Name(account.Role))], WebUi.CookieScheme)));
}
