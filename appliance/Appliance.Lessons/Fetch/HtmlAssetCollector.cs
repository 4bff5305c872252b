using AngleSharp.Dom;

namespace Appliance.Lessons.Fetch;

/// <summary>The assets one page uses (absolute http(s) URLs, fragments dropped, each once), with what each is expected to be.</summary>
public static class HtmlAssetCollector
{
    public static List<(Uri Url, AssetHint Hint)> Collect(IDocument document, Uri pageUrl)
    {
        var baseUrl = HtmlUrlSlots.BaseUrl(document, pageUrl);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var assets = new List<(Uri, AssetHint)>();

        void Add(Uri against, string raw, AssetHint hint)
        {
            if (WebUrl.TryResolve(against, raw, out var url) && seen.Add(url.AbsoluteUri))
            {
                assets.Add((url, hint));
            }
        }

        foreach (var slot in HtmlUrlSlots.Of(document))
        {
            if (!slot.IsAsset)
            {
                continue;
            }

            switch (slot.Form)
            {
                case SlotForm.Url when slot.Element.GetAttribute(slot.Attribute) is { } value:
                    Add(baseUrl, value, slot.Hint);
                    break;
                case SlotForm.Srcset when slot.Element.GetAttribute(slot.Attribute) is { } srcset:
                    foreach (var (start, length) in SrcsetParser.Urls(srcset))
                    {
                        Add(baseUrl, srcset.Substring(start, length), AssetHint.Any);
                    }

                    break;
                case SlotForm.StyleAttribute when slot.Element.GetAttribute(slot.Attribute) is { } style:
                    AddCss(style);
                    break;
                case SlotForm.StyleElement:
                    AddCss(slot.Element.TextContent);
                    break;
            }
        }

        void AddCss(string css)
        {
            foreach (var reference in CssUrlScanner.Scan(css))
            {
                Add(baseUrl, reference.Value, reference.IsImport ? AssetHint.Stylesheet : AssetHint.Any);
            }
        }

        return assets;
    }
}
