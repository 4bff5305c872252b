namespace Appliance.Lessons.Mirror;

/// <summary>What the mirror serves for one request, as plain data for the host to write to HTTP.</summary>
public abstract record MirrorResult
{
    private MirrorResult()
    {
    }

    /// <summary>Nothing here (404), with the reason for the log (not shown to pupils).</summary>
    public sealed record NotFound(string Reason) : MirrorResult;

    /// <summary>A stored copy. The host disposes <paramref name="Content"/> and adds <see cref="MirrorHeaders"/>.</summary>
    /// <param name="ContentType">The Content-Type to send.</param>
    /// <param name="Content">The body, checked against its hash, positioned at its start.</param>
    /// <param name="Length">Its length (Content-Length).</param>
    /// <param name="ETag">A strong entity tag: the blob's SHA-256, quoted (RFC 9110 §8.8.3).</param>
    public sealed record Resource(string ContentType, Stream Content, long Length, string ETag) : MirrorResult;

    /// <summary>The lesson's index page (text/html; charset=utf-8).</summary>
    public sealed record IndexPage(string Html) : MirrorResult;
}
