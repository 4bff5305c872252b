using System.Globalization;
using System.Security.Claims;
using Appliance.WebUI.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Access;

/// <summary>
/// Session cookies that can be taken back: each carries the account's security stamp and when it was issued. On every
/// request the stamp is compared with the account's (a password, role, second-factor or enabled change makes a new
/// one, so the account's other sessions end at once), and no session outlives <see cref="AbsoluteLimit"/> however
/// active (OWASP Session Management: an absolute timeout beside the idle one).
/// </summary>
internal static class Sessions
{
    public const string StampClaim = "appliance:stamp";
    public const string IssuedClaim = "appliance:issued";

    /// <summary>A school day and its evening: a session then signs in again, even if it was used all along.</summary>
    public static readonly TimeSpan AbsoluteLimit = TimeSpan.FromHours(12);

    public static Task SignInAsync(HttpContext context, WebAccount account, string stamp)
    {
        var issued = Now(context.RequestServices);
        return context.SignInAsync(WebUi.CookieScheme, new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, account.Name), new Claim(ClaimTypes.Role, WebRoles.Name(account.Role)), new Claim(StampClaim, stamp),
            new Claim(IssuedClaim, issued.ToString(CultureInfo.InvariantCulture)),
        ], WebUi.CookieScheme)));
    }

    /// <summary>Cookie validation: the stamp must still be the account's, and the session younger than the absolute limit.</summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var services = context.HttpContext.RequestServices;
        var now = Now(services);
        var current = principal?.Identity?.Name is { } name ? services.GetRequiredService<AccountStore>().Stamp(name) : null;
        var issued = long.TryParse(principal?.FindFirstValue(IssuedClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var at) ? at : 0;
        if (current is null || current != principal!.FindFirstValue(StampClaim) || now - issued > AbsoluteLimit.TotalSeconds)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(WebUi.CookieScheme);
        }
    }

    private static long Now(IServiceProvider services) => (services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();
}
