using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Appliance.Radius.Eap;

/// <summary>Limits on EAP conversations in progress (radius.md §6: FreeRADIUS's <c>timer_expire</c> is 60 s).</summary>
public sealed record EapLimits
{
    /// <summary>
    /// A conversation with no message for this long is forgotten (its next message is rejected). 60 s as FreeRADIUS:
    /// Windows and Apple devices stop mid-handshake while the user decides whether to trust the certificate.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>No conversation lives longer than this, however chatty.</summary>
    public TimeSpan MaxLifetime { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Conversations in progress per RADIUS client entry: one misbehaving access point cannot take them all. A login
    /// takes a few hundred milliseconds end to end, so 128 at once is still hundreds of logins a second through one
    /// controller (a whole school arriving at 8:45).
    /// </summary>
    public int PerClient { get; init; } = 128;

    /// <summary>Conversations in progress in all: each holds an OpenSSL session and its buffers, so this bounds memory.</summary>
    public int Total { get; init; } = 512;

    /// <summary>EAP round trips in one conversation (a PEAP login takes about ten): stops a peer looping us.</summary>
    public int MaxRoundTrips { get; init; } = 50;
}

/// <summary>
/// EAP conversations in progress, keyed by the RADIUS <c>State</c> we sent in the last Access-Challenge (RFC 2865 §5.24:
/// the NAS echoes it unmodified in the next Access-Request). The State is 16 random octets, a fresh one per round trip, so
/// a State is good for one answer only and cannot be guessed. Idle and over-age conversations are swept on each start.
/// </summary>
internal sealed class EapSessionTable(EapLimits limits, TimeProvider time)
{
    public const int StateLength = 16;

    private readonly Dictionary<UInt128, EapConversation> _byState = [];
    private readonly Dictionary<string, int> _perClient = [];

    // A device runs one login at a time: its newest conversation replaces the one before, so a station sending
    // EAP-Start/Identity with one MAC cannot fill the table (one with many forged MACs still meets the per-client cap).
    private readonly Dictionary<(string Client, string Station), UInt128> _byStation = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byState.Count;
            }
        }
    }

    /// <summary>Conversations refused because a cap was reached (health).</summary>
    public long Refused { get; private set; }

    /// <summary>Conversations forgotten unfinished (health).</summary>
    public long Expired { get; private set; }

    /// <summary>Conversations dropped because the same device started a new one.</summary>
    public long Replaced { get; private set; }

    /// <summary>Registers a new conversation under a fresh State (written to <paramref name="state"/>); false when a cap is reached.</summary>
    public bool TryAdd(EapConversation conversation, Span<byte> state)
    {
        lock (_lock)
        {
            Sweep();
            if (conversation.Station is { } station && _byStation.TryGetValue((conversation.ClientName, station), out var previous)
                && _byState.Remove(previous, out var replaced))
            {
                Release(replaced, expired: false);
                Replaced++;
            }

            var perClient = _perClient.GetValueOrDefault(conversation.ClientName);
            if (_byState.Count >= limits.Total || perClient >= limits.PerClient)
            {
                Refused++;
                return false;
            }

            _perClient[conversation.ClientName] = perClient + 1;
            Store(conversation, state);
            return true;
        }
    }

    /// <summary>Takes the conversation a State names out of the table (it is put back with a new State by <see cref="Continue"/>).</summary>
    public EapConversation? Take(ReadOnlySpan<byte> state, string clientName)
    {
        if (state.Length != StateLength)
        {
            return null;
        }

        lock (_lock)
        {
            var key = BinaryPrimitives.ReadUInt128BigEndian(state);
            if (!_byState.Remove(key, out var conversation))
            {
                return null;
            }

            // A State presented by another client entry is not theirs to continue (a forged or misrouted request).
            if (conversation.ClientName != clientName || IsStale(conversation, time.GetUtcNow()))
            {
                Release(conversation, expired: conversation.ClientName == clientName);
                return null;
            }

            return conversation;
        }
    }

    /// <summary>Puts a conversation back under a fresh State, written to <paramref name="state"/>.</summary>
    public void Continue(EapConversation conversation, Span<byte> state)
    {
        lock (_lock)
        {
            Store(conversation, state);
        }
    }

    /// <summary>The conversation is over (accepted, rejected or abandoned).</summary>
    public void End(EapConversation conversation)
    {
        lock (_lock)
        {
            Release(conversation, expired: false);
        }
    }

    private void Store(EapConversation conversation, Span<byte> state)
    {
        UInt128 key;
        do
        {
            RandomNumberGenerator.Fill(state[..StateLength]);
            key = BinaryPrimitives.ReadUInt128BigEndian(state);
        }
        while (!_byState.TryAdd(key, conversation));

        conversation.LastSeen = time.GetUtcNow();
        if (conversation.Station is { } station)
        {
            _byStation[(conversation.ClientName, station)] = key;
        }
    }

    private void Release(EapConversation conversation, bool expired)
    {
        if (conversation.Station is { } station && _byStation.TryGetValue((conversation.ClientName, station), out var key)
            && (!_byState.TryGetValue(key, out var current) || ReferenceEquals(current, conversation)))
        {
            _byStation.Remove((conversation.ClientName, station));
        }

        if (_perClient.TryGetValue(conversation.ClientName, out var count))
        {
            if (count <= 1)
            {
                _perClient.Remove(conversation.ClientName);
            }
            else
            {
                _perClient[conversation.ClientName] = count - 1;
            }
        }

        Expired += expired ? 1 : 0;
        conversation.Dispose();
    }

    private bool IsStale(EapConversation conversation, DateTimeOffset now) =>
        now - conversation.LastSeen > limits.IdleTimeout || now - conversation.Started > limits.MaxLifetime;

    private void Sweep()
    {
        var now = time.GetUtcNow();
        List<UInt128>? stale = null;
        foreach (var (key, conversation) in _byState)
        {
            if (IsStale(conversation, now))
            {
                (stale ??= []).Add(key);
            }
        }

        foreach (var key in stale ?? [])
        {
            _byState.Remove(key, out var conversation);
            Release(conversation!, expired: true);
        }
    }
}
