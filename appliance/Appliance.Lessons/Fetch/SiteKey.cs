using System.Net;

namespace Appliance.Lessons.Fetch;

/// <summary>
/// "Same site" for the pre-fetch: two hosts are the same site when they share a registrable domain (WHATWG URL
/// §host "registrable domain", HTML's "schemelessly same site"). The box has no Public Suffix List, so this is an
/// approximation: the last two labels, or the last three when the second-level label is one of the generic
/// second levels many country domains use (co.uk, ac.uk, gov.uk, sch.uk, nhs.uk, com.au, org.nz, …). It errs
/// towards "other site" for private registries under a public suffix (two blogs on github.io count as the same
/// site), which only means an asset of another such site is copied too: it is still public and anonymous.
/// IP addresses and single-label names are only the same site as themselves.
/// </summary>
public static class SiteKey
{
    private static readonly HashSet<string> SecondLevels = new(StringComparer.OrdinalIgnoreCase)
    {
        "co", "ac", "gov", "org", "sch", "net", "nhs", "ltd", "plc", "police", "com", "edu", "mod", "me", "nic",
        "gob", "govt", "mil", "ne", "or", "go", "lg", "ed", "gv", "nom", "school",
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
        return string.Join('.', labels[^take..]);
    }

    /// <summary>Whether two absolute URLs are the same site (the scheme does not matter, as for HTML's "schemelessly same site").</summary>
    public static bool SameSite(Uri a, Uri b) => Of(a.IdnHost) == Of(b.IdnHost);
}
