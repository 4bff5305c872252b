using System.Text;
using AngleSharp.Dom;
using Appliance.Lessons.Fetch;

namespace Appliance.Lessons.Mirror;

/// <summary>
/// Points a copied page's (or stylesheet's) URLs at the mirror. Every URL of the page's own site that the lesson
/// holds a copy of becomes its absolute mirror path (<c>/{lesson}/{scheme}/{host}/…</c>): relative ones too, since
/// a base element or a redirect would otherwise make them resolve elsewhere. Any other URL (another site, or a page
/// of this site that was not copied) becomes its absolute original, so it still means what it meant on the site
/// (and a browser can follow it live when the filter allows). Fragments are kept.
/// </summary>
public sealed class MirrorRewriter(string lessonId, IReadOnlySet<string> availableUrls)
{
    /// <summary>Rewrites every URL slot of <paramref name="document"/>, whose address was <paramref name="pageUrl"/>, and removes base elements.</summary>
    public void RewriteHtml(IDocument document, Uri pageUrl)
    {
        var baseUrl = HtmlUrlSlots.BaseUrl(document, pageUrl);
        foreach (var element in document.QuerySelectorAll("base").ToList())
        {
            element.Remove();
        }

        foreach (var slot in HtmlUrlSlots.Of(document).ToList())
        {
            var element = slot.Element;
            if (slot.Form == SlotForm.StyleElement)
            {
                element.TextContent = RewriteCss(element.TextContent, baseUrl, latin1: false);
                continue;
            }

            if (element.GetAttribute(slot.Attribute) is not { } value)
            {
                continue;
            }

            var rewritten = slot.Form switch
            {
                SlotForm.Url => Target(baseUrl, value) ?? value,
                SlotForm.Srcset => RewriteSrcset(value, baseUrl),
                _ => RewriteCss(value, baseUrl, latin1: false),
            };
            element.SetAttribute(slot.Attribute, rewritten);
        }
    }

    /// <summary>
    /// Rewrites the url()s and @import strings of <paramref name="css"/>. With <paramref name="latin1"/>, the text
    /// is a stylesheet's bytes read as Latin-1 (<see cref="CssText"/>) and its URLs are read back as UTF-8.
    /// </summary>
    public string RewriteCss(string css, Uri baseUrl, bool latin1)
    {
        var references = CssUrlScanner.Scan(css);
        if (references.Count == 0)
        {
            return css;
        }

        var output = new StringBuilder(css.Length + 64);
        var at = 0;
        foreach (var reference in references)
        {
            var value = latin1 ? CssText.UrlValue(reference.Value) : reference.Value;
            if (Target(baseUrl, value) is not { } target)
            {
                continue;
            }

            var isString = css[reference.Start] is '"' or '\'';
            output.Append(css, at, reference.Start - at);
            output.Append(isString ? CssString(target) : $"url({CssString(target)})");
            at = reference.Start + reference.Length;
        }

        output.Append(css, at, css.Length - at);
        return output.ToString();
    }

    private string RewriteSrcset(string srcset, Uri baseUrl)
    {
        var output = new StringBuilder(srcset.Length + 64);
        var at = 0;
        foreach (var (start, length) in SrcsetParser.Urls(srcset))
        {
            if (Target(baseUrl, srcset.Substring(start, length)) is { } target)
            {
                output.Append(srcset, at, start - at).Append(target);
                at = start + length;
            }
        }

        output.Append(srcset, at, srcset.Length - at);
        return output.ToString();
    }

    /// <summary>The rewritten URL, or null to leave the text as it is (not an http(s) URL: data:, #top, mailto:).</summary>
    private string? Target(Uri baseUrl, string raw)
    {
        var text = raw.Trim(' ', '\t', '\n', '\r', '\f');
        if (!WebUrl.TryResolve(baseUrl, text, out var url) || !Uri.TryCreate(baseUrl, text, out var withFragment))
        {
            return null;
        }

        // A srcset URL may not contain a comma or space unescaped; AbsoluteUri and the mirror path are escaped.
        var fragment = withFragment.Fragment;
        return availableUrls.Contains(url.AbsoluteUri) ? MirrorPath.For(lessonId, url) + fragment : url.AbsoluteUri + fragment;
    }

    // CSS Syntax §4.3.5 reverse: a double-quoted string; quotes, backslashes and newlines escaped as code points.
    private static string CssString(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\22 "),
                '\\' => quoted.Append("\\5c "),
                '\n' or '\r' or '\f' => quoted.Append("\\a "),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }
}
