using System.Text;
using AngleSharp;
using Appliance.Lessons.Content;
using Appliance.Lessons.Fetch;

namespace Appliance.Lessons.Mirror;

/// <summary>
/// Makes the mirror's copies of a lesson's HTML pages and stylesheets, with their links pointing at the mirror,
/// once, when the fetch ends; each is stored as its own blob beside the original. Done at fetch time rather than per
/// request because a class of thirty opens the same page at the same moment on a small box: serving is then a plain
/// file with a stable ETag (its hash), no parse per request. The original stays for revalidation and re-rewriting
/// (the rewrite depends on which of the lesson's URLs were copied, so it is redone after every fetch).
/// </summary>
public sealed class MirrorBuilder(ContentStore store)
{
    /// <summary>Rewrites every HTML and CSS copy of the lesson; returns report lines for copies that could not be stored.</summary>
    public async Task<List<FetchItem>> BuildAsync(string lessonId, CancellationToken cancel)
    {
        var rows = store.Resources(lessonId);
        var available = new HashSet<string>(rows.SelectMany(r => new[] { r.Url, r.FinalUrl }), StringComparer.Ordinal);
        var rewriter = new MirrorRewriter(lessonId, available);
        var problems = new List<FetchItem>();
        foreach (var row in rows)
        {
            var isHtml = ContentTypes.IsHtml(row.ContentType);
            if (!isHtml && !ContentTypes.IsCss(row.ContentType))
            {
                continue;
            }

            var read = store.OpenVerified(row.BlobHash);
            if (read.Content is null)
            {
                continue;
            }

            byte[] rewritten;
            string contentType;
            await using (read.Content)
            {
                var finalUrl = new Uri(row.FinalUrl);
                if (isHtml)
                {
                    // A page too complex to parse is served as it came (its relative links still work).
                    using var document = await PageParser.ParseAsync(read.Content, cancel);
                    if (document is null)
                    {
                        continue;
                    }

                    rewriter.RewriteHtml(document, finalUrl);
                    rewritten = Encoding.UTF8.GetBytes(document.ToHtml());
                    // The serialised page is UTF-8 whatever it was; the header says so and wins over any meta charset (WHATWG HTML §13.2.3.1).
                    contentType = "text/html; charset=utf-8";
                }
                else
                {
                    using var buffer = new MemoryStream();
                    await read.Content.CopyToAsync(buffer, cancel);
                    var css = CssText.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
                    rewritten = CssText.Encode(rewriter.RewriteCss(css, finalUrl, latin1: true));
                    contentType = row.ContentType;
                }
            }

            try
            {
                using var pending = await store.ReceiveAsync(new MemoryStream(rewritten), long.MaxValue, cancel);
                store.CommitAs(pending, hash => row with { MirrorBlobHash = hash, MirrorContentType = contentType });
            }
            catch (Exception ex) when (ex is StorageQuotaFullException or StorageWriteException)
            {
                problems.Add(new FetchItem(
                    new Uri(row.Url), new Uri(row.FinalUrl), FetchItemKind.Asset, FetchOutcome.Failed, null, row.ContentType, 0,
                    $"the copy with links pointing at the box could not be stored ({ex.Message}); the unchanged copy is served"));
            }
        }

        return problems;
    }
}
