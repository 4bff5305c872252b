using System.Collections.Concurrent;
using System.Security.Cryptography;
using Appliance.Radius.Users;

namespace Appliance.WebUI.Users;

/// <summary>
/// Holds something in memory for one signed-in person, under a random token, for a short while, to be taken once: an
/// uploaded CSV between its dry run and its confirmation, and the generated passwords between an import and their
/// download. Nothing is written to disk (the passwords must never be stored in clear), and a restart forgets it all.
/// </summary>
internal sealed class OneTimeStash<T>(TimeProvider time, TimeSpan lifetime, int capacity = 64)
    where T : class
{
    private readonly ConcurrentDictionary<string, (string Owner, T Value, DateTimeOffset Until)> _items = new(StringComparer.Ordinal);

    /// <summary>Keeps <paramref name="value"/> for <paramref name="owner"/>; the token is 128 random bits (it names nothing guessable).</summary>
    public string Put(string owner, T value)
    {
        Prune();
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _items[token] = (owner, value, time.GetUtcNow() + lifetime);
        return token;
    }

    /// <summary>The value, removed: null when the token is unknown, spent, expired or another person's.</summary>
    public T? Take(string owner, string? token)
    {
        if (token is null || !_items.TryGetValue(token, out var item) || item.Owner != owner)
        {
            return null;
        }

        return _items.TryRemove(new KeyValuePair<string, (string, T, DateTimeOffset)>(token, item)) && item.Until > time.GetUtcNow() ? item.Value : null;
    }

    public int Count => _items.Count;

    // Expired entries go; past the capacity the oldest go too, so repeated uploads cannot fill the memory.
    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (token, item) in _items)
        {
            if (item.Until <= now)
            {
                _items.TryRemove(token, out _);
            }
        }

        foreach (var (token, _) in _items.OrderBy(i => i.Value.Until).Take(Math.Max(0, _items.Count - capacity + 1)))
        {
            _items.TryRemove(token, out _);
        }
    }
}

/// <summary>An uploaded CSV waiting for its confirmation, with the choices made at its dry run.</summary>
internal sealed record PendingImport(string FileName, string Csv, UserKind? DefaultKind, bool PapOnly);

/// <summary>The web UI's in-memory state for imports: the uploads awaiting confirmation and the password files awaiting their one download.</summary>
internal sealed class UserImports(TimeProvider time)
{
    /// <summary>The largest CSV accepted: a large secondary school's export is well under a megabyte.</summary>
    public const long MaxUploadBytes = 4 * 1024 * 1024;

    public OneTimeStash<PendingImport> Pending { get; } = new(time, TimeSpan.FromMinutes(30));

    public OneTimeStash<byte[]> Passwords { get; } = new(time, TimeSpan.FromMinutes(30));
}
