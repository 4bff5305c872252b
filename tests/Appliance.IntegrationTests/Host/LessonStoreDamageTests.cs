using Appliance.IntegrationTests.Peers;

namespace Appliance.IntegrationTests.Host;

/// <summary>
/// A damaged lesson database never takes the box down: DNS filtering runs with lessons off and the file left as it
/// was (nothing is lost); a damaged index of the copies, which is a cache, is moved aside and made afresh.
/// </summary>
public sealed class LessonStoreDamageTests
{
    private static readonly byte[] Garbage = [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 37 % 251))];

    [Fact]
    public async Task A_damaged_plan_store_turns_lessons_off_and_the_box_runs()
    {
        var data = Directory.CreateTempSubdirectory("lessons-damaged-").FullName;
        Directory.CreateDirectory(Path.Combine(data, "lessons"));
        var file = Path.Combine(data, "lessons", "lessons.db");
        await File.WriteAllBytesAsync(file, Garbage);

        using var appliance = await ApplianceProcess.StartAsync(["--upstream", "127.0.0.1:9"], dataDir: data);

        Assert.Contains("appliance: lessons are off: lesson store " + file, appliance.Output, StringComparison.Ordinal);
        Assert.Equal(Garbage, await File.ReadAllBytesAsync(file));   // left for the technician, not overwritten
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{appliance.WebPort}") };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/api/health")).StatusCode);
        var mirror = await http.GetAsync("/mirror/1/");   // no mirror: the web UI's default deny, not a sandboxed copy
        Assert.DoesNotContain("sandbox", string.Join(",", mirror.Headers.TryGetValues("Content-Security-Policy", out var csp) ? csp : []), StringComparison.Ordinal);
        Assert.DoesNotContain("/mirror", mirror.RequestMessage!.RequestUri!.AbsolutePath, StringComparison.Ordinal);   // sent to the first-run page
    }

    [Fact]
    public async Task A_damaged_copies_index_is_moved_aside_and_made_afresh()
    {
        var data = Directory.CreateTempSubdirectory("lessons-damaged-").FullName;
        var content = Path.Combine(data, "lessons", "content");
        Directory.CreateDirectory(content);
        await File.WriteAllBytesAsync(Path.Combine(content, "content.db"), Garbage);

        using var appliance = await ApplianceProcess.StartAsync(["--upstream", "127.0.0.1:9"], dataDir: data);

        Assert.Contains("the lesson copies' index could not be opened", appliance.Output, StringComparison.Ordinal);
        var aside = Assert.Single(Directory.GetDirectories(Path.Combine(data, "lessons"), "content.damaged-*"));
        Assert.Equal(Garbage, await File.ReadAllBytesAsync(Path.Combine(aside, "content.db")));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{appliance.WebPort}") };
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/mirror/1/")).StatusCode);   // lessons on, no such lesson
    }
}
