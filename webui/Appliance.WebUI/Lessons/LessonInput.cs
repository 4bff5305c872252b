using System.Globalization;
using Appliance.Core.Policy;
using Appliance.Lessons.Plans;
using Microsoft.AspNetCore.Http;

namespace Appliance.WebUI.Lessons;

/// <summary>A site row as typed (the form shows blank rows to fill in).</summary>
public sealed record SiteRow(string Url, string Note);

/// <summary>
/// A problem with what was typed, by the field it belongs to in the planner's words (<c>title</c>, <c>date</c>,
/// <c>sites[2].url</c>); <see cref="Field"/> is empty for a problem with the lesson as a whole.
/// </summary>
public sealed record LessonProblem(string Field, string Message)
{
    /// <summary>
    /// Splits the planner's "field: message" (<see cref="LessonException.Errors"/>); a site's index is turned into its
    /// row on the form through <paramref name="rows"/> (the form leaves blank rows out of the draft).
    /// </summary>
    public static LessonProblem Parse(string error, IReadOnlyList<int>? rows = null)
    {
        var colon = error.IndexOf(": ", StringComparison.Ordinal);
        var field = colon > 0 ? error[..colon] : "";
        if (!IsField(field))
        {
            return new LessonProblem("", error);
        }

        if (rows is not null && field.StartsWith("sites[", StringComparison.Ordinal)
            && int.TryParse(field.AsSpan(6, field.IndexOf(']', StringComparison.Ordinal) - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && index < rows.Count)
        {
            field = $"sites[{rows[index].ToString(CultureInfo.InvariantCulture)}]{field[(field.IndexOf(']', StringComparison.Ordinal) + 1)..]}";
        }

        return new LessonProblem(field, error[(colon + 2)..]);
    }

    // Only names of the draft's fields: "lesson 4: …" or "site 9: …" are about the lesson, not a field to fix.
    private static bool IsField(string field) => field is "title" or "group" or "room" or "date" or "start" or "end" or "until" or "sites" or "reason"
        || (field.StartsWith("sites[", StringComparison.Ordinal) && field.Contains("].", StringComparison.Ordinal));
}

/// <summary>
/// What a person typed into the lesson form (or sent to the API), kept as text so that a form with errors is shown again
/// exactly as typed. <see cref="ToDraft"/> reads dates and times; the planner checks the rest.
/// </summary>
public sealed record LessonInput(string Title, string Group, string Room, string Date, string Start, string End, bool Weekly, string Until, IReadOnlyList<SiteRow> Sites)
{
    /// <summary>Rows the form offers for a new lesson.</summary>
    public const int FormRows = 10;

    /// <summary>Blank rows the form adds after a lesson's sites, up to <see cref="LessonRules.MaxSites"/>.</summary>
    public const int SpareRows = 5;

    public static LessonInput Blank { get; } = new("", "", "", "", "", "", false, "", []);

    /// <summary>A stored plan, as the edit form shows it.</summary>
    public static LessonInput Of(LessonPlan plan) => new(plan.Title, plan.Group ?? "", plan.Room ?? "", Text(plan.Timing.Date), Text(plan.Timing.Start),
        Text(plan.Timing.End), plan.Timing.Weekly, plan.Timing.Until is { } until ? Text(until) : "", [.. plan.Sites.Select(s => new SiteRow(s.Url, s.Note))]);

    /// <summary>The form's fields; the site rows come as repeated <c>url</c> and <c>note</c> fields, in order.</summary>
    public static LessonInput From(IFormCollection form)
    {
        var urls = form["url"];
        var notes = form["note"];
        var rows = new List<SiteRow>();
        for (var i = 0; i < Math.Max(urls.Count, notes.Count) && i < LessonRules.MaxSites + SpareRows; i++)
        {
            rows.Add(new SiteRow(i < urls.Count ? urls[i] ?? "" : "", i < notes.Count ? notes[i] ?? "" : ""));
        }

        return new LessonInput(form["title"].ToString(), form["group"].ToString(), form["room"].ToString(), form["date"].ToString(), form["start"].ToString(),
            form["end"].ToString(), form["weekly"] == "on", form["until"].ToString(), rows);
    }

    /// <summary>The rows the form shows: every typed row, then blank ones (at least <see cref="FormRows"/>, at most <see cref="LessonRules.MaxSites"/>).</summary>
    public IReadOnlyList<SiteRow> FormSiteRows()
    {
        var typed = Sites.Count;
        while (typed > 0 && IsBlank(Sites[typed - 1]))
        {
            typed--;
        }

        var count = Math.Max(typed, Math.Min(Math.Max(FormRows, typed + SpareRows), LessonRules.MaxSites));
        return [.. Sites.Take(typed), .. Enumerable.Repeat(new SiteRow("", ""), count - typed)];
    }

    /// <summary>
    /// The draft for the planner, with <paramref name="rows"/> mapping each of its sites to the row it came from;
    /// or the problems with what was typed (dates and times that are not dates and times, and whatever else the
    /// planner's rules find in the rest), and no draft.
    /// </summary>
    /// <param name="policy">The running policy, for the rules' other checks when a date or time cannot be read.</param>
    /// <param name="skipBlankRows">The form's empty rows are not sites; the API's array is taken as it is.</param>
    /// <param name="rows">For each site of the draft, its row (index in <see cref="Sites"/>).</param>
    public (LessonDraft? Draft, IReadOnlyList<LessonProblem> Problems) ToDraft(PolicySnapshot policy, bool skipBlankRows, out IReadOnlyList<int> rows)
    {
        var kept = Enumerable.Range(0, Sites.Count).Where(i => !skipBlankRows || !IsBlank(Sites[i])).ToList();
        rows = kept;
        var sites = kept.Select(i => new SiteDraft(Sites[i].Url ?? "", Sites[i].Note ?? "")).ToList();
        var problems = new List<LessonProblem>();
        var date = ReadDate("date", Date, problems);
        var start = ReadTime("start", Start, problems);
        var end = ReadTime("end", End, problems);
        DateOnly? until = Weekly ? ReadDate("until", Until, problems) : null;
        var draft = new LessonDraft(Title ?? "", NullIfBlank(Group), NullIfBlank(Room),
            new LessonTiming(date ?? DateOnly.MaxValue, start ?? new TimeOnly(9, 0), end ?? new TimeOnly(10, 0), Weekly, until ?? (Weekly ? DateOnly.MaxValue : null)), sites);
        if (problems.Count == 0)
        {
            return (draft, []);
        }

        // The rest of the form is checked too, so every problem is shown at once; the timing is judged only once its
        // dates and times can be read (the placeholders above are not what was typed).
        foreach (var error in LessonRules.Validate(draft, policy, DateOnly.MinValue))
        {
            var problem = LessonProblem.Parse(error, kept);
            if (problem.Field is not ("date" or "start" or "end" or "until"))
            {
                problems.Add(problem);
            }
        }

        return (null, problems);
    }

    public static bool IsBlank(SiteRow row) => string.IsNullOrWhiteSpace(row.Url) && string.IsNullOrWhiteSpace(row.Note);

    public static string Text(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Text(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    // What <input type="date"> sends (RFC 3339 full-date, as WHATWG HTML's "valid date string").
    private static DateOnly? ReadDate(string field, string? text, List<LessonProblem> problems)
    {
        if (DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        problems.Add(new LessonProblem(field, string.IsNullOrWhiteSpace(text) ? "give the date (YYYY-MM-DD)" : $"'{text}' is not a date such as 2026-12-01"));
        return null;
    }

    // What <input type="time"> sends: HH:mm, or HH:mm:ss when a step below a minute is set (WHATWG HTML "valid time string").
    private static TimeOnly? ReadTime(string field, string? text, List<LessonProblem> problems)
    {
        if (TimeOnly.TryParseExact(text?.Trim(), ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return new TimeOnly(time.Hour, time.Minute);
        }

        problems.Add(new LessonProblem(field, string.IsNullOrWhiteSpace(text) ? "give the time (HH:MM, school time)" : $"'{text}' is not a time such as 09:15"));
        return null;
    }
}
