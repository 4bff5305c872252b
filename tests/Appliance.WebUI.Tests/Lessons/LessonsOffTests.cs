using System.Net;

namespace Appliance.WebUI.Tests.Lessons;

/// <summary>Without a planner and a desk (lessons off), the web UI still starts and says so.</summary>
public sealed class LessonsOffTests
{
    [Fact]
    public async Task The_page_says_lessons_are_off_and_the_api_answers_503()
    {
        await using var host = await LessonWebHost.StartAsync(lessonsOn: false);
        using var teacher = await host.SignInAsync("ms.teach");

        var page = await teacher.Http.GetAsync("/lessons");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Lessons are off on this box", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await teacher.Http.GetAsync("/lessons/1")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await teacher.Http.GetAsync("/api/lessons")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await teacher.SendJsonAsync(HttpMethod.Post, "/api/lessons", "{}")).StatusCode);
    }
}
