using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Appliance.Lessons.Plans;

public sealed partial class LessonStore
{
    private const string LessonColumns = "id, title, teacher, grp, room, first_date, start, finish, weekly, until, created_at";
    private const string SiteColumns = "id, url, host, note, status, status_reason, decided_by, decided_at, decision_reason, lesson_id, added_by";

    /// <summary>One plan with its sites, or null.</summary>
    public LessonPlan? Get(long id) => Read("WHERE id = $id", ("$id", id)).FirstOrDefault();

    /// <summary>Every plan (or one teacher's), by first date then start time.</summary>
    public IReadOnlyList<LessonPlan> List(string? teacher = null)
        => teacher is null ? Read("") : Read("WHERE teacher = $teacher COLLATE NOCASE", ("$teacher", teacher));

    /// <summary>The plans whose sites wait for a decision, oldest first.</summary>
    public IReadOnlyList<LessonPlan> WithPendingSites()
        => Read("WHERE id IN (SELECT lesson_id FROM sites WHERE status = 'pending')");

    private List<LessonPlan> Read(string where, params (string Name, object Value)[] parameters)
    {
        lock (_lock)
        {
            try
            {
                using var command = _connection.CreateCommand();
                foreach (var (name, value) in parameters)
                {
                    command.Parameters.AddWithValue(name, value);
                }

                command.CommandText = $"SELECT {LessonColumns} FROM lessons {where} ORDER BY first_date, start, id";
                var plans = new List<LessonPlan>();
                using (var reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        plans.Add(ReadLesson(reader));
                    }
                }

                command.CommandText = $"SELECT {SiteColumns} FROM sites WHERE lesson_id IN (SELECT id FROM lessons {where}) ORDER BY lesson_id, position";
                var sites = new Dictionary<long, List<LessonSite>>();
                using (var reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        var lessonId = reader.GetInt64(9);
                        if (!sites.TryGetValue(lessonId, out var list))
                        {
                            sites[lessonId] = list = [];
                        }

                        list.Add(ReadSite(reader));
                    }
                }

                return [.. plans.Select(p => p with { Sites = sites.TryGetValue(p.Id, out var s) ? s : [] })];
            }
            catch (SqliteException ex)
            {
                throw new LessonStoreException($"lesson store {Path}: {ex.Message}", ex);
            }
        }
    }

    private static LessonPlan ReadLesson(SqliteDataReader r)
    {
        var timing = new LessonTiming(
            DateOnly.ParseExact(r.GetString(5), "yyyy-MM-dd", CultureInfo.InvariantCulture),
            TimeOnly.ParseExact(r.GetString(6), "HH:mm", CultureInfo.InvariantCulture),
            TimeOnly.ParseExact(r.GetString(7), "HH:mm", CultureInfo.InvariantCulture),
            r.GetInt64(8) != 0,
            r.IsDBNull(9) ? null : DateOnly.ParseExact(r.GetString(9), "yyyy-MM-dd", CultureInfo.InvariantCulture));
        return new LessonPlan(r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
            r.IsDBNull(4) ? null : r.GetString(4), timing, [], DateTimeOffset.Parse(r.GetString(10), CultureInfo.InvariantCulture));
    }

    private static LessonSite ReadSite(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3),
        Enum.Parse<SiteStatus>(r.GetString(4), ignoreCase: true), r.GetString(5),
        r.IsDBNull(6) ? null : r.GetString(6),
        r.IsDBNull(7) ? null : DateTimeOffset.Parse(r.GetString(7), CultureInfo.InvariantCulture),
        r.IsDBNull(8) ? null : r.GetString(8))
    {
        AddedBy = r.IsDBNull(10) ? null : r.GetString(10),
    };
}
