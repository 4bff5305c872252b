using System.Net;

namespace Appliance.Lessons.Fetch;

/// <summary>
/// "Same site" for the pre-fetch: two hosts are the same site when they share a registrable domain (WHATWG URL
/// §host "registrable domain", HTML's "schemelessly same site"). The box has no Public Suffix List, so this is an
/// approximation: the last two labels, or the last three when the second-level label is one of the generic
/// second levels many country domains use (co.uk, ac.uk, gov.uk, sch.uk, nhs.uk, com.au, org.nz, …), and one label
/// more under the shared hosting services schools meet most (alice.github.io and bob.github.io are two sites). Another
/// private registry still counts as one site; that only widens "same site" within it.
/// IP addresses and single-label names are only the same site as themselves.
/// </summary>
public static class SiteKey
{
    private static readonly HashSet<string> SecondLevels = new(StringComparer.OrdinalIgnoreCase)
    {
        "co", "ac", "gov", "org", "sch", "net", "nhs", "ltd", "plc", "police", "com", "edu", "mod", "me", "nic",
        "gob", "govt", "mil", "ne", "or", "go", "lg", "ed", "gv", "nom", "school",
    };

    // Private registries where every subdomain is someone else's site (the Public Suffix List's private section, the
    // ones schools meet most): a lesson's approval of alice.github.io must not carry to bob.github.io.
    private static readonly HashSet<string> SharedHosting = new(StringComparer.OrdinalIgnoreCase)
    {
        "github.io", "gitlab.io", "blogspot.com", "wordpress.com", "wixsite.com", "weebly.com", "netlify.app", "vercel.app",
        "pages.dev", "web.app", "firebaseapp.com", "appspot.com", "herokuapp.com", "azurewebsites.net", "glitch.me",
        "sharepoint.com", "sites.google.com", "neocities.org", "tumblr.com", "substack.com", "medium.com", "padlet.com",
    };

    /// <summary>The registrable-domain approximation of <paramref name="host"/>, lower-cased.</summary>
    public static string Of(string host)
    {
        var name = host.Trim('[', ']').TrimEnd('.').ToLowerInvariant();
        if (IPAddress.TryParse(name, out _))
        {
            return name;
        }

        var labels = name.Split('.');
        if (labels.Length <= 2)
        {
            return name;
        }

        var take = SecondLevels.Contains(labels[^2]) && labels[^1].Length == 2 ? 3 : 2;
        if (SharedHosting.Contains(string.Join('.', labels[^take..])) || (labels.Length >= 3 && SharedHosting.Contains(string.Join('.', labels[^3..]))))
        {
            take = Math.Min(labels.Length, take + (SharedHosting.Contains(string.Join('.', labels[^3..])) ? 2 : 1));
        }

        return string.Join('.', labels[^take..]);
    }

    /// <summary>Whether two absolute URLs are the same site (the scheme does not matter, as for HTML's "schemelessly same site").</summary>
    public static bool SameSite(Uri a, Uri b) => Of(a.IdnHost) == Of(b.IdnHost);
}
