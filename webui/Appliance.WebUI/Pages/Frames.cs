using System.Security.Claims;
using Appliance.WebUI.Accounts;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Pages;

/// <summary>Builds the frame every page shares: its title, who is signed in, and the anti-forgery token its forms carry.</summary>
public static class Frames
{
    public static PageFrame For(HttpContext context, string title)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        return new PageFrame(title, SignedIn(context.User), tokens.FormFieldName, tokens.RequestToken!, context.Request.Path.Value ?? "/");
    }

    /// <summary>The signed-in account (by session or API token), or null.</summary>
    public static WebAccount? SignedIn(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && WebRoles.TryParse(user.FindFirstValue(ClaimTypes.Role), out var role)
            ? new WebAccount(user.Identity.Name!, role)
            : null;
}
