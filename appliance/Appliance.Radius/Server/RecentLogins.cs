using System.Collections.Concurrent;

namespace Appliance.Radius.Server;

/// <summary>
/// Who this server has let in lately, per access point: by device (Calling-Station-Id) and by user. Accounting
/// records are only believed about a user we authenticated: an access point that reports the EAP outer identity in its
/// accounting would otherwise let a pupil who typed <c>head.teacher</c> as their anonymous identity be logged and
/// filtered as the head (the Class attribute is the first proof; this is the fallback when the NAS does not echo it).
/// Bounded; entries older than <see cref="Lifetime"/> are forgotten.
/// </summary>
public sealed class RecentLogins(TimeProvider time)
{
    /// <summary>A school day and then some: accounting for a morning login still arrives in the afternoon.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(14);

    private const int MaxEntries = 65_536;
    // By device across all access points: a device that roams (PMK caching, 802.11r) to another AP logs in no more, and
    // every access point is a client we trust alike. By user per access point: the weaker fallback.
    private readonly ConcurrentDictionary<string, (string User, DateTimeOffset At)> _byStation = new();
    private readonly ConcurrentDictionary<(string Client, string User), DateTimeOffset> _byUser = new();

    /// <summary>A login accepted for <paramref name="user"/> through <paramref name="client"/> from <paramref name="station"/> (may be unknown).</summary>
    public void Record(string client, string? station, string user)
    {
        var now = time.GetUtcNow();
        if (_byStation.Count + _byUser.Count >= MaxEntries)
        {
            Trim(now);
        }

        _byUser[(client, user)] = now;
        if (Normalise(station) is { } key)
        {
            _byStation[key] = (user, now);
        }
    }

    /// <summary>
    /// The user an accounting record is about: the one we last let in from that device (through any access point); when
    /// the record names no device at all, its own User-Name if we let that user in through that client lately; else null
    /// (not verified). A record that names a device we did not let in is not believed on its User-Name alone.
    /// </summary>
    public string? Verify(string client, string? station, string? claimedUser)
    {
        var now = time.GetUtcNow();
        if (Normalise(station) is { } key)
        {
            return _byStation.TryGetValue(key, out var login) && now - login.At <= Lifetime ? login.User : null;
        }

        return claimedUser is not null && _byUser.TryGetValue((client, claimedUser.ToLowerInvariant()), out var at) && now - at <= Lifetime
            ? claimedUser.ToLowerInvariant()
            : null;
    }

    // Access points write MACs as 00-11-22-AA-BB-CC, 00:11:22:aa:bb:cc or 001122aabbcc (RFC 3580 §3.21 recommends the first).
    private static string? Normalise(string? station)
    {
        if (string.IsNullOrEmpty(station))
        {
            return null;
        }

        var hex = new string([.. station.Where(char.IsAsciiHexDigit).Select(char.ToLowerInvariant)]);
        return hex.Length == 12 ? hex : station;
    }

    // Expired entries first; if that is not enough, the oldest half goes (rare: tens of thousands of logins a day).
    private void Trim(DateTimeOffset now)
    {
        foreach (var (key, value) in _byStation.Where(e => now - e.Value.At > Lifetime).ToList())
        {
            _byStation.TryRemove(key, out _);
        }

        foreach (var (key, at) in _byUser.Where(e => now - e.Value > Lifetime).ToList())
        {
            _byUser.TryRemove(key, out _);
        }

        if (_byStation.Count + _byUser.Count >= MaxEntries)
        {
            foreach (var (key, _) in _byStation.OrderBy(e => e.Value.At).Take(_byStation.Count / 2).ToList())
            {
                _byStation.TryRemove(key, out _);
            }

            foreach (var (key, _) in _byUser.OrderBy(e => e.Value).Take(_byUser.Count / 2).ToList())
            {
                _byUser.TryRemove(key, out _);
            }
        }
    }
}
