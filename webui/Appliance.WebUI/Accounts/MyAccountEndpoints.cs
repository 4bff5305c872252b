using Appliance.WebUI.Access;
using Appliance.WebUI.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Appliance.WebUI.Accounts;

/// <summary>
/// Everyone's own account: change the password (the current one is asked first) and set up or remove an authenticator
/// (TOTP). Both end the account's other sessions; this one continues with the new stamp.
/// </summary>
internal static class MyAccountEndpoints
{
    private const string Purpose = "Appliance.WebUI.SecondFactorSetup";

    public static void Map(IEndpointRouteBuilder app)
    {
        var path = Navigation.MyAccount.Path;
        var roles = Navigation.MyAccount.Roles;
        app.MapGet(path, (HttpContext context, AccountStore accounts) => Page(context, accounts, null)).RequireRoles(roles);
        app.MapPost(path + "/password", ChangePasswordAsync).RequireRoles(roles);
        app.MapPost(path + "/second-factor", Offer).RequireRoles(roles);
        app.MapPost(path + "/second-factor/confirm", ConfirmAsync).RequireRoles(roles);
        app.MapPost(path + "/second-factor/off", RemoveAsync).RequireRoles(roles);
    }

#pragma warning disable CA1859   // IResult: the request delegate generator cannot see the Razor-generated types
    private static IResult Page(HttpContext context, AccountStore accounts, Notice? notice, SecondFactorSetup? setup = null) =>
        Slices.MyAccount.Create(new MyAccountPage(Frames.For(context, "My account"),
            accounts.List().Any(a => a.Name == Me(context) && a.HasSecondFactor), notice, setup));

    private static async Task<IResult> ChangePasswordAsync(HttpContext context, AccountStore accounts, [FromForm] string current, [FromForm] string password)
    {
        var name = Me(context);
        if (accounts.SignIn(name, current, SignInEndpoints.Address(context)).Outcome is not (SignInOutcome.Accepted or SignInOutcome.CodeNeeded))
        {
            return Page(context, accounts, new Notice("Your current password is not right (after 5 tries, changing it from here is locked for 15 minutes).", true));
        }

        if (accounts.SetPassword(name, password) is { } problem)
        {
            return Page(context, accounts, new Notice(problem, true));
        }

        WebAudit.Record(context, "webui.account.password-changed", name, "{}");
        return await ContinueAsync(context, accounts, "Password changed. Your other sessions are signed out.");
    }

    private static IResult Offer(HttpContext context, AccountStore accounts, IDataProtectionProvider protection)
    {
        var secret = Totp.NewSecret();
        var carried = protection.CreateProtector(Purpose).ToTimeLimitedDataProtector().Protect(Convert.ToBase64String(secret), TimeSpan.FromMinutes(10));
        return Page(context, accounts, null, new SecondFactorSetup(Totp.Base32(secret), Totp.Uri("School gateway", Me(context), secret), carried));
    }

    private static async Task<IResult> ConfirmAsync(HttpContext context, AccountStore accounts, IDataProtectionProvider protection, [FromForm] string key, [FromForm] string code)
    {
        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(protection.CreateProtector(Purpose).ToTimeLimitedDataProtector().Unprotect(key));
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or FormatException)
        {
            return Page(context, accounts, new Notice("That setup has expired (10 minutes): start again.", true));
        }

        var (_, problem) = accounts.EnableSecondFactor(Me(context), secret, code);
        if (problem is not null)
        {
            return Page(context, accounts, new Notice(problem, true), new SecondFactorSetup(Totp.Base32(secret), Totp.Uri("School gateway", Me(context), secret), key));
        }

        WebAudit.Record(context, "webui.account.second-factor-on", Me(context), "{}");
        return await ContinueAsync(context, accounts, "Your authenticator is set up: signing in now asks for its code.");
    }

    private static async Task<IResult> RemoveAsync(HttpContext context, AccountStore accounts, [FromForm] string current)
    {
        if (accounts.SignIn(Me(context), current, SignInEndpoints.Address(context)).Outcome is not (SignInOutcome.Accepted or SignInOutcome.CodeNeeded))
        {
            return Page(context, accounts, new Notice("Your current password is not right.", true));
        }

        accounts.DisableSecondFactor(Me(context));
        WebAudit.Record(context, "webui.account.second-factor-off", Me(context), "{}");
        return await ContinueAsync(context, accounts, "Your authenticator is removed.");
    }
#pragma warning restore CA1859

    // The change made a new stamp, which ends every session of the account — this one continues with it.
    private static async Task<IResult> ContinueAsync(HttpContext context, AccountStore accounts, string done)
    {
        var role = Frames.SignedIn(context.User)!.Role;
        await Sessions.SignInAsync(context, new WebAccount(Me(context), role), accounts.Stamp(Me(context))!);
        return Page(context, accounts, new Notice(done, false));
    }

    private static string Me(HttpContext context) => context.User.Identity!.Name!;
}
