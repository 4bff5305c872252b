using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace Appliance.Lessons.Fetch;

/// <summary>
/// Parses a stored page with AngleSharp's WHATWG parser, guarded against pages built to be slow. Tree construction
/// costs grow with nesting depth (the "in scope" and active-formatting-element checks walk the stack of open
/// elements): 100 000 nested &lt;b&gt; took about 19 s here, and a 10 MB page can nest two million. So a page with
/// more start tags than <see cref="MaxElements"/> (counted on the bytes first, which is linear) is not parsed,
/// and the parse itself honours the caller's cancellation (the request timeout and the lesson deadline).
/// </summary>
public static class PageParser
{
    /// <summary>Real pages have a few thousand elements; at this many, even fully nested, parsing stays within seconds.</summary>
    public const int MaxElements = 50_000;

    /// <summary>The parsed page, or null when it has more than <see cref="MaxElements"/> start tags.</summary>
    public static async Task<IHtmlDocument?> ParseAsync(Stream page, CancellationToken cancel)
    {
        using var buffer = new MemoryStream();
        await page.CopyToAsync(buffer, cancel);
        if (CountStartTags(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) > MaxElements)
        {
            return null;
        }

        buffer.Position = 0;
        return await new HtmlParser().ParseDocumentAsync(buffer, cancel);
    }

    /// <summary>"&lt;" followed by an ASCII letter: what the tokenizer reads as a start tag (WHATWG HTML §13.2.5.6), roughly.</summary>
    public static int CountStartTags(ReadOnlySpan<byte> html)
    {
        var count = 0;
        for (var i = html.IndexOf((byte)'<'); i >= 0 && i + 1 < html.Length; )
        {
            if (char.IsAsciiLetter((char)html[i + 1]))
            {
                count++;
            }

            var next = html[(i + 1)..].IndexOf((byte)'<');
            i = next < 0 ? -1 : i + 1 + next;
        }

        return count;
    }
}
