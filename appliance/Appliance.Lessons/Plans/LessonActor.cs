namespace Appliance.Lessons.Plans;

/// <summary>What a person may do with lessons (the web UI maps its roles onto these).</summary>
public enum LessonRole
{
    /// <summary>Plans lessons and sees, changes and removes their own.</summary>
    Teacher,

    /// <summary>DSL or technician: sees and changes every lesson, and approves or rejects sites in blocked categories.</summary>
    Approver,

    /// <summary>Head teacher: sees every lesson, changes none.</summary>
    Viewer,
}

/// <summary>Who is acting, by account name, and in which capacity.</summary>
public sealed record LessonActor(string Name, LessonRole Role);

/// <summary>The actor may not do this to this lesson; the message says why, in words for the page.</summary>
public sealed class LessonAccessException : Exception
{
    public LessonAccessException(string message)
        : base(message)
    {
    }

    public LessonAccessException()
    {
    }

    public LessonAccessException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
