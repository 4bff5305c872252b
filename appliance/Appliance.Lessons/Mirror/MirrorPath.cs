using Appliance.Lessons.Fetch;

namespace Appliance.Lessons.Mirror;

/// <summary>
/// The mirror's URL scheme: <c>/{lessonId}/</c> is the lesson's index page and
/// <c>/{lessonId}/{scheme}/{host[:port]}/{path}?{query}</c> the stored copy of <c>{scheme}://{host[:port]}/{path}?{query}</c>,
/// so a copied page's relative links resolve to the copies of what they name without any rewriting.
/// </summary>
public static class MirrorPath
{
    /// <summary>The mirror path of <paramref name="url"/> in a lesson (fragment dropped; the caller adds one back if needed).</summary>
    public static string For(string lessonId, Uri url) => $"/{lessonId}/{url.Scheme}/{Authority(url)}{url.AbsolutePath}{url.Query}";

    /// <summary>
    /// Reads the part of a mirror path after <c>/{lessonId}/</c> (still percent-encoded, as it came on the request
    /// line) back into the URL it copies. Refused (false): anything that could mean another place than it says —
    /// dot segments, encoded dots, slashes or backslashes, NUL or control characters, a leading slash, user info,
    /// a scheme other than http or https, or an authority that does not read back the same.
    /// </summary>
    public static bool TryParse(string path, string? query, out Uri url)
    {
        url = null!;
        if (path.Length is 0 or > WebUrl.MaxLength || path[0] == '/' || path.Contains('\\') || path.Any(char.IsControl)
            || path.Contains("%2f", StringComparison.OrdinalIgnoreCase) || path.Contains("%5c", StringComparison.OrdinalIgnoreCase)
            || path.Contains("%2e", StringComparison.OrdinalIgnoreCase) || path.Contains("%00", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = path.Split('/');
        if (parts.Length < 2 || parts.Any(p => p is "." or ".."))
        {
            return false;
        }

        var (scheme, authority) = (parts[0], parts[1]);
        if (scheme is not ("http" or "https") || authority.Length == 0 || authority.Contains('@'))
        {
            return false;
        }

        var rest = string.Join('/', parts[2..]);
        var q = query?.TrimStart('?');
        var text = $"{scheme}://{authority}/{rest}{(string.IsNullOrEmpty(q) ? "" : "?" + q)}";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || !WebUrl.IsWeb(parsed)
            || !string.Equals(Authority(parsed), authority, StringComparison.OrdinalIgnoreCase) || parsed.Fragment.Length > 0)
        {
            return false;
        }

        url = parsed;
        return true;
    }

    private static string Authority(Uri url)
    {
        var host = url.HostNameType == UriHostNameType.IPv6 ? $"[{url.IdnHost.Trim('[', ']')}]" : url.IdnHost;
        return url.IsDefaultPort ? host : $"{host}:{url.Port}";
    }
}
