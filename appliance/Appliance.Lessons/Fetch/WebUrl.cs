namespace Appliance.Lessons.Fetch;

/// <summary>Turning the URLs pages and stylesheets write into the absolute http(s) addresses the store keys on.</summary>
public static class WebUrl
{
    /// <summary>Longest URL considered (longer ones are not real assets; browsers differ, 8 KB is generous).</summary>
    public const int MaxLength = 8 * 1024;

    /// <summary>
    /// Resolves <paramref name="raw"/> against <paramref name="baseUrl"/> (WHATWG URL parsing strips leading and
    /// trailing C0 control or space) and keeps it only when it is http or https; the fragment is dropped, as it is
    /// never sent to a server. data:, blob:, javascript:, mailto: and unparsable text give false.
    /// </summary>
    public static bool TryResolve(Uri baseUrl, string raw, out Uri url)
    {
        url = baseUrl;
        var text = raw.Trim(' ', '\t', '\n', '\r', '\f');
        if (text.Length == 0 || text.Length > MaxLength || text[0] == '#')
        {
            return false;
        }

        if (!Uri.TryCreate(baseUrl, text, out var resolved) || !IsWeb(resolved))
        {
            return false;
        }

        url = WithoutFragment(resolved);
        return true;
    }

    /// <summary>True for absolute http and https URLs.</summary>
    public static bool IsWeb(Uri url) => url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    /// <summary>The URL with any fragment removed (the store's key).</summary>
    public static Uri WithoutFragment(Uri url) =>
        url.Fragment.Length == 0 ? url : new Uri(url.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.Fragment, UriFormat.UriEscaped));

    /// <summary>The store's key for a URL: the absolute form without fragment.</summary>
    public static string Key(Uri url) => WithoutFragment(url).AbsoluteUri;
}
