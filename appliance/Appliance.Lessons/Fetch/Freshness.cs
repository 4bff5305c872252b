using System.Net.Http.Headers;

namespace Appliance.Lessons.Fetch;

/// <summary>What a response's caching headers say about storing and re-using it (RFC 9111).</summary>
/// <param name="NoStore">Cache-Control: no-store (§5.2.2.5): the response must not be stored.</param>
/// <param name="FreshUntil">Until when the stored copy may be used without asking the site (§4.2).</param>
/// <param name="ETag">The entity tag validator (RFC 9110 §8.8.3), sent back as If-None-Match.</param>
/// <param name="LastModified">The Last-Modified validator (RFC 9110 §8.8.2), sent back as If-Modified-Since.</param>
public sealed record Freshness(bool NoStore, DateTimeOffset FreshUntil, string? ETag, DateTimeOffset? LastModified)
{
    /// <summary>Heuristic freshness (§4.2.2) is capped: a lesson's copy is re-checked at least daily.</summary>
    public static readonly TimeSpan MaxHeuristic = TimeSpan.FromDays(1);

    /// <summary>
    /// Reads the headers of a response received at <paramref name="responseTime"/>, asked at <paramref name="requestTime"/>.
    /// The box is a shared cache (many pupils read one copy), so s-maxage wins over max-age (§5.2.2.10).
    /// Cache-Control: private (§5.2.2.7) is ignored on purpose: it protects responses personalised for one user,
    /// and the box fetches anonymously, without cookies or credentials, so nothing personal can be in it.
    /// no-cache (§5.2.2.4) stores but makes the copy stale at once: it is revalidated on every fetch.
    /// </summary>
    public static Freshness From(HttpResponseMessage response, DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        var cache = response.Headers.CacheControl;
        var content = response.Content.Headers;
        var etag = response.Headers.ETag?.ToString();
        var lastModified = content.LastModified;
        if (cache?.NoStore == true)
        {
            return new Freshness(true, responseTime, etag, lastModified);
        }

        // §5.3: an Expires that does not parse (often "0") means already expired.
        var expires = content.Expires ?? (content.Contains("Expires") ? DateTimeOffset.MinValue : null);
        var lifetime = Lifetime(cache, response.Headers.Date ?? responseTime, expires, lastModified);
        // §4.2.3 current age: the larger of the apparent age (Date to receipt) and Age plus the request's delay.
        var apparentAge = response.Headers.Date is { } date ? Max(TimeSpan.Zero, responseTime - date) : TimeSpan.Zero;
        var correctedAge = (response.Headers.Age ?? TimeSpan.Zero) + (responseTime - requestTime);
        var age = Max(apparentAge, correctedAge);
        var freshFor = lifetime - age;
        return new Freshness(false, responseTime + Max(TimeSpan.Zero, freshFor), etag, lastModified);
    }

    /// <summary>§4.2.1 freshness lifetime, and §4.2.2's heuristic (10 % of the time since Last-Modified) when none is given.</summary>
    private static TimeSpan Lifetime(CacheControlHeaderValue? cache, DateTimeOffset date, DateTimeOffset? expires, DateTimeOffset? lastModified)
    {
        if (cache?.NoCache == true)
        {
            return TimeSpan.Zero;
        }

        if (cache?.SharedMaxAge is { } sMaxAge)
        {
            return sMaxAge;
        }

        if (cache?.MaxAge is { } maxAge)
        {
            return maxAge;
        }

        if (expires is { } expiry)
        {
            // Without a Date header, the receipt time stands in for it (§4.2.1: "Expires minus Date").
            return expiry <= date ? TimeSpan.Zero : expiry - date;
        }

        if (lastModified is { } modified && modified < date)
        {
            var heuristic = (date - modified) / 10;
            return heuristic < MaxHeuristic ? heuristic : MaxHeuristic;
        }

        return TimeSpan.Zero;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
