namespace Appliance.Lessons.Mirror;

/// <summary>
/// The response headers the host adds to every mirrored file, in one place. The CSP sandbox (CSP 3 §6.3.2) gives
/// the copies an opaque origin, so their scripts cannot read the box's other pages (the admin UI) or its cookies;
/// default-src 'self' data: blob: keeps them from loading anything from the internet (the copy must work offline
/// and must not become a way round the filter); 'unsafe-inline' and 'unsafe-eval' let copied sites' own scripts run.
/// </summary>
public static class MirrorHeaders
{
    public const string ContentSecurityPolicyName = "Content-Security-Policy";

    public const string ContentSecurityPolicy =
        "sandbox allow-scripts allow-forms allow-popups; default-src 'self' data: blob: 'unsafe-inline' 'unsafe-eval'";

    /// <summary>Browsers must trust the stored Content-Type, not guess (a text file must not run as script).</summary>
    public const string ContentTypeOptionsName = "X-Content-Type-Options";

    public const string ContentTypeOptions = "nosniff";

    /// <summary>Links followed out of a copy do not tell the site which lesson or box they came from.</summary>
    public const string ReferrerPolicyName = "Referrer-Policy";

    public const string ReferrerPolicy = "no-referrer";

    /// <summary>All three, for a host to add in one loop.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> All { get; } =
    [
        new(ContentSecurityPolicyName, ContentSecurityPolicy),
        new(ContentTypeOptionsName, ContentTypeOptions),
        new(ReferrerPolicyName, ReferrerPolicy),
    ];
}
