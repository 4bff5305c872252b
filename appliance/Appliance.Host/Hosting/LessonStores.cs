using Appliance.Host.Configuration;
using Appliance.Lessons.Content;
using Appliance.Lessons.Plans;
using Microsoft.Data.Sqlite;

namespace Appliance.Host.Hosting;

/// <summary>
/// The lesson plans (DATA_DIR/lessons/lessons.db) and the copies (DATA_DIR/lessons/content/), opened before the host
/// starts. A damaged plan store turns lessons off with a message naming the file, and the rest of the box runs (DNS
/// filtering must not stop for a lesson database); the file is left as it is for the technician. The copies are a
/// cache: a damaged index is moved aside (kept, named in the log) and a fresh one made, and the next pre-fetch fills it.
/// </summary>
public sealed class LessonStores : IDisposable
{
    private LessonStores(LessonStore plans, ContentStore content) => (Plans, Content) = (plans, content);

    public LessonStore Plans { get; }

    public ContentStore Content { get; }

    /// <summary>Opens both; null with <paramref name="problem"/> (and <paramref name="notice"/>) saying what happened.</summary>
    public static LessonStores? TryOpen(ApplianceSettings settings, out string? problem, out string? notice)
    {
        var root = Path.Combine(settings.DataDir, "lessons");
        problem = notice = null;
        LessonStore plans;
        try
        {
            plans = LessonStore.Open(Path.Combine(root, "lessons.db"));
        }
        catch (Exception ex) when (ex is LessonStoreException or IOException or UnauthorizedAccessException)
        {
            problem = $"lessons are off: {ex.Message}";
            return null;
        }

        var contentRoot = Path.Combine(root, "content");
        var options = new ContentStoreOptions(contentRoot, settings.Lessons.QuotaBytes);
        try
        {
            return new LessonStores(plans, OpenContent(options));
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            var aside = $"{contentRoot}.damaged-{DateTime.UtcNow:yyyyMMddTHHmmss}";
            try
            {
                SqliteConnection.ClearAllPools();
                Directory.Move(contentRoot, aside);
                notice = $"the lesson copies' index could not be opened ({ex.Message}); moved to {aside}, a fresh one was made";
                return new LessonStores(plans, OpenContent(options));
            }
            catch (Exception again) when (again is SqliteException or IOException or UnauthorizedAccessException)
            {
                plans.Dispose();
                problem = $"lessons are off: the lesson copies at {contentRoot} cannot be used: {again.Message}";
                return null;
            }
        }
    }

    public void Dispose()
    {
        Content.Dispose();
        Plans.Dispose();
    }

    // The index is read at once, so a damaged file is found here rather than at the first request.
    private static ContentStore OpenContent(ContentStoreOptions options)
    {
        var store = new ContentStore(options);
        try
        {
            _ = store.UsedBytes;
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }
}
