using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.WebUI.Access;

/// <summary>The middleware every response passes: security headers, and forms without a valid anti-forgery token refused.</summary>
internal static class Protections
{
    // The anti-forgery middleware only records its verdict; a form handler that reads a forged form would then throw
    // (a 500). Refuse such a request here with 400, before any handler sees it.
    public static Task RejectForgedForms(HttpContext context, Func<Task> next)
    {
        if (context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false })
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return context.Response.WriteAsync("This form has expired or did not come from this appliance's pages: reload the page and try again.");
        }

        return next();
    }

    /// <summary>
    /// With an HTTPS listener, plain HTTP only redirects there (308 keeps a POST a POST), except the health report and
    /// the panel's state, which scripts and the LA probe read over HTTP on the box itself, and the lesson mirror.
    /// </summary>
    public static Task SendToHttps(HttpContext context, Func<Task> next)
    {
        var request = context.Request;
        // The lesson mirror stays on HTTP: pupils reach it by the mirror's own name, which the box has no certificate for.
        if (request.IsHttps || request.Path.StartsWithSegments("/api/health") || request.Path.Equals("/api/panel") || request.Path.StartsWithSegments("/mirror"))
        {
            return next();
        }

        var addresses = context.RequestServices.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var port = addresses.Select(a => BindingAddress.Parse(a)).FirstOrDefault(a => a.Scheme == "https")?.Port;
        if (port is null)
        {
            return next();
        }

        var host = new HostString(request.Host.Host, port.Value);
        context.Response.Redirect(UriHelper.BuildAbsolute("https", host, request.PathBase, request.Path, request.QueryString), permanent: true, preserveMethod: true);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A change through <c>/api</c> on a session cookie must say it is JSON (or the CSV import's text/csv): neither can be
    /// sent by a plain HTML form, so a page elsewhere on the school's own site (SameSite=Strict does not stop same-site
    /// posts) cannot make a signed-in DSL's browser approve a proposal or acknowledge an incident. Bearer-token calls and
    /// the anonymous loopback press are not sessions and are not affected.
    /// </summary>
    public static Task RequireJsonForSessionApi(HttpContext context, Func<Task> next)
    {
        var request = context.Request;
        // DELETE carries no body and no HTML form can send it (WHATWG HTML §4.10.18.6: a form's method is GET, POST or
        // dialog); a script on another origin that tries is stopped by the CORS preflight, which this box never grants.
        if (WebUi.IsApi(request) && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsDelete(request.Method)
            && context.User.Identity is { IsAuthenticated: true, AuthenticationType: WebUi.CookieScheme }
            && request.ContentType?.Split(';')[0].Trim().ToLowerInvariant() is not ("application/json" or "text/csv"))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return context.Response.WriteAsync("A change through /api takes a JSON body (Content-Type: application/json).");
        }

        return next();
    }

    // OWASP's baseline for a server-rendered app with no third-party content and no inline script.
    public static Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        headers.CacheControl = "no-cache, no-store";   // what anti-forgery sets too: no warning when it does
        return next();
    }
}
