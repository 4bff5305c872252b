using System.Security.Claims;
using System.Text.Encodings.Web;
using Appliance.WebUI.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.WebUI.Access;

/// <summary>
/// <c>Authorization: Bearer sgw_…</c> on <c>/api</c> requests (RFC 6750 §2.1): the token acts as its role, named
/// <c>token:&lt;name&gt;</c> in the audit log. Nothing else is read from the request, so a token works only where it is
/// sent on purpose (a browser never sends it by itself: no cross-site request forgery).
/// </summary>
internal sealed class ApiTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokenStore tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (tokens.Authenticate(header["Bearer ".Length..].Trim()) is not { } token)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API token is unknown, expired or revoked."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "token:" + token.Name), new Claim(ClaimTypes.Role, WebRoles.Name(token.Role))], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 401;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"appliance\"";
        return Task.CompletedTask;
    }
}
