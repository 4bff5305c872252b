using System.Globalization;
using Appliance.Core.Lists;
using Appliance.Journal;
using Microsoft.AspNetCore.Http;

namespace Appliance.WebUI.Activity;

/// <summary>
/// The search form as typed (kept to fill the form again) and what it means to the journal. The same query string
/// drives the page, its paging links, the live script and <c>/api/activity</c>. Times are UTC.
/// </summary>
public sealed record ActivityRequest(
    string User, string Device, string Group, string Name, string Match, string Category, bool BlockedOnly, string From, string To,
    long? Before, long? After)
{
    /// <summary>What the form means, or null with <see cref="Problem"/> saying what is wrong.</summary>
    public ActivityFilter? Filter { get; private init; }

    /// <summary>The first problem with the input, naming the field, for a role="alert" message (or a 400 from the API).</summary>
    public string? Problem { get; private init; }

    public static ActivityRequest Parse(IQueryCollection query)
    {
        string Text(string key) => query[key].ToString().Trim();
        var request = new ActivityRequest(Text("user"), Text("device"), Text("group"), Text("name"), Text("match"), Text("category"),
            Text("blocked") is "on" or "true" or "1", Text("from"), Text("to"), null, null);
        var problems = new List<string>();
        var before = Cursor(Text("before"), "before", problems);
        var after = Cursor(Text("after"), "after", problems);
        var category = 0UL;
        if (request.Category.Length > 0)
        {
            if (Categories.TryParse(request.Category, out var parsed))
            {
                category = Categories.Bit(parsed);
            }
            else
            {
                problems.Add($"'{request.Category}' is not a category.");
            }
        }

        var match = request.Match is "" or "contains" ? NameMatch.Contains
            : request.Match == "domain" ? NameMatch.Domain
            : Bad<NameMatch>(problems, $"'{request.Match}' is not a way to match a name (contains or domain).");
        var from = Time(request.From, "From", problems);
        var to = Time(request.To, "To", problems);
        if (from > to)
        {
            problems.Add("'From' is after 'To'.");
        }

        return request with
        {
            Before = before,
            After = after,
            Problem = problems.Count > 0 ? problems[0] : null,
            Filter = problems.Count > 0 ? null : new ActivityFilter
            {
                User = Blank(request.User), Client = Blank(request.Device), Group = Blank(request.Group),
                Name = ActivityFilter.NormaliseName(request.Name), NameMatch = match, Categories = category,
                BlockedOnly = request.BlockedOnly, From = from, To = to,
            },
        };
    }

    /// <summary>Whether any filter is set (no filter and no cursor: the live view of the newest events).</summary>
    public bool Filtered => QueryString().Length > 0;

    /// <summary>The filters as a query string without the paging cursor ("user=alice&amp;blocked=on"), for links and the live script.</summary>
    public string QueryString()
    {
        var pairs = new List<string>();
        void Add(string key, string value)
        {
            if (value.Length > 0)
            {
                pairs.Add(key + "=" + Uri.EscapeDataString(value));
            }
        }

        Add("user", User);
        Add("device", Device);
        Add("group", Group);
        Add("name", Name);
        Add("match", Name.Length > 0 && Match == "domain" ? "domain" : "");
        Add("category", Category);
        Add("blocked", BlockedOnly ? "on" : "");
        Add("from", From);
        Add("to", To);
        return string.Join("&", pairs);
    }

    /// <summary>A link to this search with a paging cursor ("before=123").</summary>
    public string Link(string path, string cursor) => QueryString() is { Length: > 0 } query ? $"{path}?{query}&{cursor}" : $"{path}?{cursor}";

    /// <summary>Parses a UTC time as typed in a datetime-local field ("2026-11-29T12:00") or ISO 8601 with a zone.</summary>
    public static DateTimeOffset? Time(string text, string field, List<string> problems)
    {
        if (text.Length == 0)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        problems.Add($"'{field}' is not a time: '{text}' (write it as 2026-11-29T13:45, UTC).");
        return null;
    }

    private static long? Cursor(string text, string field, List<string> problems)
    {
        if (text.Length == 0)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return id;
        }

        problems.Add($"'{field}' is not an event number: '{text}'.");
        return null;
    }

    private static string? Blank(string text) => text.Length == 0 ? null : text;

    private static T Bad<T>(List<string> problems, string problem)
    {
        problems.Add(problem);
        return default!;
    }
}
