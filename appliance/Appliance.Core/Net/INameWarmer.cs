namespace Appliance.Core.Net;

/// <summary>
/// Keeps names resolved in the box's DNS cache (issue 9: a lesson's hosts stay warm for its window, so the first
/// pupil's lookup is answered from the cache even when the upstream is slow). Implemented by the resolver; called
/// by the lesson scheduler off the hot path, repeatedly during a window.
/// </summary>
public interface INameWarmer
{
    /// <summary>
    /// For each valid host name, A and AAAA: starts an upstream lookup when the cache has no answer, an expired one, or
    /// one with less than a quarter of its TTL left. Names that are not host names are skipped, not thrown on.
    /// </summary>
    /// <param name="hostNames">Host names ("example.org"; a leading "=" or "*." of the allow-entry syntax is ignored).</param>
    /// <returns>How many lookups were launched (fewer when some are already on their way or the resolver is busy).</returns>
    int KeepWarm(IReadOnlyCollection<string> hostNames);
}
