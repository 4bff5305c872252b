using AngleSharp.Dom;

namespace Appliance.Lessons.Fetch;

/// <summary>What a URL in a page is expected to be, so a missing Content-Type can be guessed sensibly.</summary>
public enum AssetHint
{
    Any = 0,
    Stylesheet = 1,
    Script = 2,
}

/// <summary>How the URLs sit in a slot.</summary>
public enum SlotForm
{
    /// <summary>The attribute is one URL.</summary>
    Url = 1,

    /// <summary>The attribute is a srcset (several URLs with descriptors).</summary>
    Srcset = 2,

    /// <summary>The attribute is a style declaration list (url() inside).</summary>
    StyleAttribute = 3,

    /// <summary>The element's text is a stylesheet (a style element).</summary>
    StyleElement = 4,
}

/// <summary>One place in a page that holds URLs.</summary>
/// <param name="Element">The element.</param>
/// <param name="Attribute">The attribute's name (empty for <see cref="SlotForm.StyleElement"/>).</param>
/// <param name="Form">How the URLs sit in it.</param>
/// <param name="Hint">What the target is expected to be.</param>
/// <param name="IsAsset">True when the target is part of the page (fetched); false for links (rewritten only).</param>
public readonly record struct HtmlUrlSlot(IElement Element, string Attribute, SlotForm Form, AssetHint Hint, bool IsAsset);

/// <summary>
/// The places in a parsed page that hold URLs, shared by the pre-fetch (which fetches the assets) and the mirror
/// (which rewrites them all), so the two can never disagree about what a page uses.
/// </summary>
public static class HtmlUrlSlots
{
    // link rel keywords (WHATWG HTML §4.6.7) whose target the page itself uses.
    private static readonly HashSet<string> AssetRels = new(StringComparer.OrdinalIgnoreCase)
    {
        "stylesheet", "icon", "preload", "modulepreload", "manifest", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon",
    };

    /// <summary>The document's base URL: the first base element's href resolved against the page (WHATWG HTML §4.2.3).</summary>
    public static Uri BaseUrl(IDocument document, Uri pageUrl)
    {
        var href = document.QuerySelector("base[href]")?.GetAttribute("href");
        return href is not null && WebUrl.TryResolve(pageUrl, href, out var resolved) ? resolved : pageUrl;
    }

    public static IEnumerable<HtmlUrlSlot> Of(IDocument document)
    {
        foreach (var element in document.All)
        {
            switch (element.LocalName)
            {
                case "img":
                case "source":
                    yield return new(element, "src", SlotForm.Url, AssetHint.Any, true);
                    yield return new(element, "srcset", SlotForm.Srcset, AssetHint.Any, true);
                    break;
                case "script":
                    yield return new(element, "src", SlotForm.Url, AssetHint.Script, true);
                    break;
                case "link":
                    var rel = element.GetAttribute("rel") ?? "";
                    var rels = rel.Split([' ', '\t', '\n', '\r', '\f'], StringSplitOptions.RemoveEmptyEntries);
                    var isAsset = rels.Any(AssetRels.Contains);
                    var hint = rels.Contains("stylesheet", StringComparer.OrdinalIgnoreCase) ? AssetHint.Stylesheet : AssetHint.Any;
                    yield return new(element, "href", SlotForm.Url, hint, isAsset);
                    yield return new(element, "imagesrcset", SlotForm.Srcset, AssetHint.Any, isAsset);
                    break;
                case "video":
                    yield return new(element, "src", SlotForm.Url, AssetHint.Any, true);
                    yield return new(element, "poster", SlotForm.Url, AssetHint.Any, true);
                    break;
                case "audio":
                case "track":
                    yield return new(element, "src", SlotForm.Url, AssetHint.Any, true);
                    break;
                case "style":
                    yield return new(element, "", SlotForm.StyleElement, AssetHint.Any, true);
                    break;
                case "a":
                case "area":
                    yield return new(element, "href", SlotForm.Url, AssetHint.Any, false);
                    break;
                case "iframe":
                    yield return new(element, "src", SlotForm.Url, AssetHint.Any, false);
                    break;
                case "form":
                    yield return new(element, "action", SlotForm.Url, AssetHint.Any, false);
                    break;
            }

            if (element.HasAttribute("style"))
            {
                yield return new(element, "style", SlotForm.StyleAttribute, AssetHint.Any, true);
            }
        }
    }
}
