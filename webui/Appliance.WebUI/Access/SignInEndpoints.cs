using Appliance.WebUI.Accounts;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Access;

/// <summary>First-run setup, sign-in and sign-out: the only pages open to someone not signed in.</summary>
internal static class SignInEndpoints
{
    public const string RateLimit = "sign-in";

    private const string PendingCookie = "appliance.pending";
    private static readonly TimeSpan CodeWindow = TimeSpan.FromMinutes(5);

    /// <summary>A failed sign-in answers after this, so guessing is slow even before the lockout.</summary>
    private static readonly TimeSpan FailureDelay = TimeSpan.FromSeconds(1);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/setup", ShowSetup).AllowAnonymous();
        app.MapPost("/setup", SetupAsync).AllowAnonymous().RequireRateLimiting(RateLimit);
        app.MapGet("/login", ShowLogin).AllowAnonymous();
        app.MapPost("/login", LoginAsync).AllowAnonymous().RequireRateLimiting(RateLimit);
        app.MapPost("/login/code", LoginCodeAsync).AllowAnonymous().RequireRateLimiting(RateLimit);
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

        var technician = name.Trim().ToLowerInvariant();
        await Sessions.SignInAsync(context, new WebAccount(technician, WebRole.Technician), accounts.Stamp(technician)!);
        return Results.Redirect("/");
    }

    private static async Task<IResult> LoginAsync(HttpContext context, AccountStore accounts, [FromForm] string name, [FromForm] string password,
        [FromForm] string? returnUrl)
    {
        var result = accounts.SignIn(name, password, Address(context));
        if (result.Outcome == SignInOutcome.CodeNeeded)
        {
            // The password was right; the second step needs to know whose code it checks, for five minutes, without a
            // session: a short-lived protected cookie naming the account (it grants nothing on its own).
            context.Response.Cookies.Append(PendingCookie, Pending(context).Protect(result.Account!.Name, CodeWindow), new CookieOptions
            {
                HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/login",
            });
            return Slices.LoginCode.Create(new LoginCodePage(Frames.For(context, "Sign in"), null, returnUrl));
        }

        return await FinishAsync(context, result, returnUrl, "That name and password do not match an account.",
            error => Slices.Login.Create(new LoginPage(Frames.For(context, "Sign in"), error, returnUrl)));
    }

    private static async Task<IResult> LoginCodeAsync(HttpContext context, AccountStore accounts, [FromForm] string code, [FromForm] string? returnUrl)
    {
        string? name = null;
        try
        {
            name = context.Request.Cookies[PendingCookie] is { } pending ? Pending(context).Unprotect(pending) : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // expired or not ours: sign in again
        }

        if (name is null)
        {
            return Results.Redirect("/login");
        }

        var result = accounts.VerifyCode(name, code, Address(context));
        if (result.Outcome == SignInOutcome.Accepted)
        {
            context.Response.Cookies.Delete(PendingCookie, new CookieOptions { Path = "/login" });
        }

        return await FinishAsync(context, result, returnUrl, "That code does not match (or was used already): type the code your app shows now.", error => Slices.LoginCode.Create(new LoginCodePage(Frames.For(context, "Sign in"), error, returnUrl)));
    }

    private static async Task<IResult> FinishAsync(HttpContext context, Accounts.SignInResult result, string? returnUrl, string refused, Func<string, IResult> again)
    {
        if (result.Outcome != SignInOutcome.Accepted)
        {
            await Task.Delay(FailureDelay);
            return again(result.Outcome == SignInOutcome.LockedOut
                ? "Too many failed attempts: signing in to this account from here is locked for 15 minutes."
                : refused);
        }

        await Sessions.SignInAsync(context, result.Account!, result.Stamp!);
        // Only a local path: an attacker's link must not bounce a fresh session to another site.
        return Results.LocalRedirect(SafeReturn(returnUrl));
    }

    private static ITimeLimitedDataProtector Pending(HttpContext context) =>
        context.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector("Appliance.WebUI.SecondFactor").ToTimeLimitedDataProtector();

    /// <summary>Whose guesses a lockout counts: the client's address as the connection shows it (no proxy sits in front).</summary>
    internal static string Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "-";

    // A local path only (no "//host", "/\\host", control characters), and never back to a POST-only endpoint.
    private static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: > 1 } local && local[0] == '/' && local[1] is not ('/' or '\\') && !local.Any(char.IsControl)
            && !local.StartsWith("/logout", StringComparison.OrdinalIgnoreCase)
            ? local
            : "/";
}
