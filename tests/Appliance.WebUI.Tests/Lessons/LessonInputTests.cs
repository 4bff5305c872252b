using Appliance.Lessons.Plans;
using Appliance.WebUI.Lessons;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Appliance.WebUI.Tests.Lessons;

/// <summary>How the lesson form's fields become a draft, and the planner's errors become fields on the form.</summary>
public sealed class LessonInputTests
{
    private static LessonInput Input(params (string Key, string[] Values)[] fields) =>
        LessonInput.From(new FormCollection(fields.ToDictionary(f => f.Key, f => new StringValues(f.Values))));

    [Fact]
    public void Blank_rows_are_not_sites_but_keep_their_place_for_the_errors()
    {
        var input = Input(("title", ["Rocks"]), ("group", ["pupils"]), ("date", ["2026-12-01"]), ("start", ["09:00:00"]), ("end", ["09:45"]),
            ("url", ["", "https://a.example/", "", "not a url"]), ("note", ["", "", "", "n"]));

        var (draft, problems) = input.ToDraft(LessonWebHost.Policy(), skipBlankRows: true, out var rows);

        Assert.Empty(problems);
        Assert.Equal([1, 3], rows);
        Assert.Equal(["https://a.example/", "not a url"], draft!.Sites.Select(s => s.Url));
        Assert.Equal(new LessonTiming(new DateOnly(2026, 12, 1), new TimeOnly(9, 0), new TimeOnly(9, 45), false, null), draft.Timing);
        Assert.Equal(new LessonProblem("sites[3].url", "'not a url' is not a web address"), LessonProblem.Parse("sites[1].url: 'not a url' is not a web address", rows));
        Assert.Equal(new LessonProblem("", "lesson 4: there is no such lesson"), LessonProblem.Parse("lesson 4: there is no such lesson"));
        Assert.Equal(new LessonProblem("title", "a lesson needs a title"), LessonProblem.Parse("title: a lesson needs a title", rows));
    }

    [Fact]
    public void Dates_and_times_that_cannot_be_read_are_named_and_the_rest_is_still_checked()
    {
        var input = Input(("title", [""]), ("group", ["pupils"]), ("date", ["01/12/2026"]), ("start", [""]), ("end", ["10:00"]), ("weekly", ["on"]),
            ("until", ["soon"]), ("url", ["https://a.example/"]), ("note", [""]));

        var (draft, problems) = input.ToDraft(LessonWebHost.Policy(), skipBlankRows: true, out _);

        Assert.Null(draft);
        Assert.Equal(["date", "start", "until", "title"], problems.Select(p => p.Field));
        Assert.Equal("'01/12/2026' is not a date such as 2026-12-01", problems[0].Message);
        Assert.Equal("give the time (HH:MM, school time)", problems[1].Message);
    }

    [Fact]
    public void The_form_offers_ten_rows_then_five_more_than_typed_up_to_the_limit()
    {
        Assert.Equal(LessonInput.FormRows, LessonInput.Blank.FormSiteRows().Count);
        var many = LessonInput.Blank with { Sites = [.. Enumerable.Range(0, 12).Select(i => new SiteRow($"https://s{i}.example/", ""))] };
        Assert.Equal(17, many.FormSiteRows().Count);
        var full = LessonInput.Blank with { Sites = [.. Enumerable.Range(0, LessonRules.MaxSites + 2).Select(i => new SiteRow($"https://s{i}.example/", ""))] };
        Assert.Equal(LessonRules.MaxSites + 2, full.FormSiteRows().Count);   // what was typed is never dropped; the planner names the excess
    }

    [Theory]
    [InlineData("sites[4].note", "site-4-note", "Site 5: note")]
    [InlineData("sites", "site-0-url", "Sites")]
    [InlineData("until", "until", "Every week until")]
    [InlineData("", null, "The lesson")]
    public void Each_field_has_an_input_to_link_to_and_a_name(string field, string? id, string label)
    {
        Assert.Equal(id, LessonText.InputId(field));
        Assert.Equal(label, LessonText.Label(field));
    }
}
