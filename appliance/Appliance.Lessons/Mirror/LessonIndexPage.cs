using System.Net;
using System.Text;
using Appliance.Lessons.Content;
using Appliance.Lessons.Fetch;

namespace Appliance.Lessons.Mirror;

/// <summary>
/// The lesson's index page on the mirror: the teacher's pages with their notes and whether each is available
/// offline, what could not be copied and why, and the honest word about HTTPS. Every text from the plan, the
/// sites or the report is HTML-encoded (a page title or a note is never markup).
/// </summary>
public static class LessonIndexPage
{
    public const string HttpsStatement =
        "HTTPS sites cannot be cached transparently without intercepting encrypted traffic, which this box does not do; the copies here are the offline way.";

    public static string Render(string lessonId, LessonIndexInfo info, ContentStore store)
    {
        var report = store.LoadReport(lessonId);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E(info.Title)).Append(" – offline copies</title>\n</head>\n<body>\n<main>\n")
            .Append("<h1>").Append(E(info.Title)).Append("</h1>\n")
            .Append("<p>Teacher: ").Append(E(info.Teacher)).Append("<br>When: ").Append(E(info.WindowText)).Append("</p>\n")
            .Append("<h2>Pages</h2>\n<ul>\n");
        foreach (var page in info.Pages)
        {
            var stored = store.Find(lessonId, WebUrl.Key(page.Url));
            html.Append("<li>");
            if (stored is not null)
            {
                html.Append("<a href=\"").Append(E(MirrorPath.For(lessonId, page.Url))).Append("\">").Append(E(page.Url.AbsoluteUri))
                    .Append("</a> – available offline");
            }
            else
            {
                var problem = report?.Items.FirstOrDefault(i => i.Url.AbsoluteUri == WebUrl.Key(page.Url))?.Problem ?? "not fetched yet";
                html.Append(E(page.Url.AbsoluteUri)).Append(" – not available offline: ").Append(E(problem));
            }

            if (page.Note.Length > 0)
            {
                html.Append("<br>").Append(E(page.Note));
            }

            html.Append(" (<a href=\"").Append(E(page.Url.AbsoluteUri)).Append("\" rel=\"noreferrer\">live site</a>)</li>\n");
        }

        html.Append("</ul>\n");
        AppendReport(html, report);
        html.Append("<p>").Append(E(HttpsStatement)).Append("</p>\n</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void AppendReport(StringBuilder html, FetchReport? report)
    {
        html.Append("<h2>Available offline</h2>\n");
        if (report is null)
        {
            html.Append("<p>The pages have not been fetched yet.</p>\n");
            return;
        }

        var kept = report.Items.Count(i => i.Outcome is FetchOutcome.Fetched or FetchOutcome.NotModified or FetchOutcome.StillFresh);
        html.Append("<p>").Append(kept).Append(" files (").Append(E(Size(report.StoredBytes))).Append("), last checked ")
            .Append(E(report.FinishedAt.ToString("yyyy-MM-dd HH:mm 'UTC'"))).Append(".</p>\n");
        var problems = report.Items.Where(i => i.Problem is not null).ToList();
        if (problems.Count == 0)
        {
            return;
        }

        html.Append("<h2>Not copied</h2>\n<ul>\n");
        foreach (var item in problems)
        {
            html.Append("<li>").Append(E(item.Url.AbsoluteUri)).Append(" – ").Append(E(item.Problem!)).Append("</li>\n");
        }

        html.Append("</ul>\n");
    }

    private static string Size(long bytes) => bytes < 1024 * 1024 ? $"{bytes / 1024.0:0.#} KB" : $"{bytes / (1024.0 * 1024):0.#} MB";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
