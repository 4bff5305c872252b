using Appliance.Core.Identity;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Host.Configuration;
using Appliance.Lessons.Mirror;
using Microsoft.AspNetCore.Http.Features;

namespace Appliance.Host.Hosting;

/// <summary>
/// The lesson mirror on the web listener (issue 9): <c>/mirror/{lesson}/…</c> on any of the box's addresses, and
/// <c>http://{lessons.mirrorHostName}/{lesson}/…</c> when the box has a mirror name (the resolver answers it). Open to
/// everyone on the LAN (pupils are not signed in), served from the store alone so it works with the internet link down,
/// plain HTTP even when the web UI has HTTPS (the box has no certificate for the sites' names), and every response
/// sandboxed by CSP: a copied page runs in an opaque origin, so its scripts cannot reach the web UI's cookies or pages.
/// </summary>
public static class LessonMirrorEndpoints
{
    private const string Prefix = "/mirror";

    /// <summary>
    /// Routes as /mirror/… every request for the mirror's own name, and the copies' own paths on any of the box's
    /// names (<c>/{lesson}/http/…</c>, <c>/{lesson}/https/…</c>: the copied pages link to each other by these absolute
    /// paths, which a base element or a redirect cannot lead astray). Call before routing and the web UI's middleware.
    /// </summary>
    public static void UseMirrorPaths(WebApplication app, LessonSettings settings)
    {
        if (!settings.Enabled)
        {
            return;
        }

        app.Use((context, next) =>
        {
            var request = context.Request;
            if ((settings.MirrorHostName is { } name && string.Equals(request.Host.Host, name, StringComparison.OrdinalIgnoreCase))
                || IsCopyPath(request.Path.Value))
            {
                request.Path = new PathString(Prefix).Add(request.Path);
            }

            return next(context);
        });
    }

    public static void Map(WebApplication app)
    {
        app.MapMethods(Prefix + "/{lesson}/{**path}", ["GET", "HEAD"], (string lesson, LessonService lessons, PolicyEngine engine, HttpContext context) =>
        {
            // Routing takes /mirror/42 for /mirror/42/; the index needs the slash for its relative links to resolve.
            if (RawPath(context, lesson) is not { } path)
            {
                return Results.Redirect(context.Request.PathBase + context.Request.Path + "/", permanent: true);
            }

            var query = context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : null;
            // A copy is served to whom the live site would be: the approved site of a lesson for its class in its
            // window, an allowed site to anyone, a site since put on a statutory list to no one.
            if (MirrorPath.TryParse(path, query, out var original) && Blocked(engine, context, original.IdnHost))
            {
                return Results.Content("This copy is for its lesson's class, during the lesson: the site is not open here now.", "text/plain; charset=utf-8",
                    statusCode: StatusCodes.Status403Forbidden);
            }

            MirrorResult result;
            try
            {
                result = lessons.Mirror.Resolve(lesson, path, query);
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or Appliance.Lessons.Plans.LessonStoreException or IOException)
            {
                return Results.Content($"The lesson copies cannot be read just now: {ex.Message}", "text/plain; charset=utf-8",
                    statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            var headers = context.Response.Headers;
            foreach (var (name, value) in MirrorHeaders.All)
            {
                headers[name] = value;
            }

            headers.XFrameOptions = default;   // the web UI's DENY: a copied page may frame another copied page
            headers.CacheControl = "no-cache";   // revalidate (the ETag is the content's hash): a re-fetch shows at once
            return result switch
            {
                MirrorResult.IndexPage page => Results.Content(page.Html, "text/html; charset=utf-8"),
                MirrorResult.Resource resource when context.Request.Headers.IfNoneMatch.Contains(resource.ETag) => NotModified(resource),
                MirrorResult.Resource resource => Results.Stream(resource.Content, resource.ContentType,
                    entityTag: Microsoft.Net.Http.Headers.EntityTagHeaderValue.Parse(resource.ETag)),
                _ => Results.NotFound(),
            };
        }).AllowAnonymous();
    }

    // The engine's decision for this client (its identity when RADIUS knows it) and this host now, as for a DNS query.
    private static bool Blocked(PolicyEngine engine, HttpContext context, string host)
    {
        Span<byte> wire = stackalloc byte[256];
        if (context.Connection.RemoteIpAddress is not { } from || !Appliance.Protocols.Dns.DnsName.TryEncode(host, wire, out var length))
        {
            return true;
        }

        var client = ClientAddress.FromEndPoint(new System.Net.IPEndPoint(from, context.Connection.RemotePort));
        var identity = context.RequestServices.GetService<IIdentityMap>() is { } map && map.TryResolve(client, out var known) ? known : ClientIdentity.Unknown;
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var verdict = engine.Decide(new RequestFacts(wire[..length], Appliance.Protocols.Dns.DnsType.A, client, RequestSource.HttpHost, time.GetUtcNow(), identity));
        return verdict.Action == VerdictAction.Block;
    }

    // "/42/http/…" or "/42/https/…"; no web UI page starts with a number.
    private static bool IsCopyPath(string? path)
    {
        if (path is null || path.Length < 3 || path[0] != '/' || !char.IsAsciiDigit(path[1]))
        {
            return false;
        }

        var rest = path.AsSpan(1);
        var slash = rest.IndexOf('/');
        return slash > 0 && !rest[..slash].ContainsAnyExceptInRange('0', '9') && (rest[(slash + 1)..].StartsWith("http/") || rest[(slash + 1)..].StartsWith("https/"));
    }

    private static IResult NotModified(MirrorResult.Resource resource)
    {
        resource.Content.Dispose();
        return Results.StatusCode(StatusCodes.Status304NotModified);
    }

    // The part after /{lesson}/ as it was on the request line (still percent-encoded, as the mirror's paths are),
    // whether the request came as /mirror/{lesson}/… or to the mirror's own name as /{lesson}/…; null without the
    // slash after the lesson.
    private static string? RawPath(HttpContext context, string lesson)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.ToUriComponent();
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? raw : raw[..query];
        if (path.StartsWith(Prefix + "/", StringComparison.Ordinal))
        {
            path = path[Prefix.Length..];
        }

        var start = "/" + lesson + "/";
        return path.StartsWith(start, StringComparison.Ordinal) ? path[start.Length..] : null;
    }
}
