using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

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
