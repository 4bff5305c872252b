using System.Buffers.Binary;
using Appliance.Core.Net;

namespace Appliance.Radius.Server;

/// <summary>
/// Which request a datagram is (RFC 5080 §2.2.2): the client's address and port, the Identifier and the Request
/// Authenticator. An access point that hears no answer sends the same request again with all four unchanged.
/// </summary>
public readonly record struct RequestKey(ClientAddress Client, byte Identifier, UInt128 Authenticator)
{
    public static RequestKey Of(in ClientAddress client, byte identifier, ReadOnlySpan<byte> authenticator) =>
        new(client, identifier, BinaryPrimitives.ReadUInt128BigEndian(authenticator));
}

/// <summary>What to do with a request.</summary>
public enum ReplyCacheResult : byte
{
    /// <summary>Not seen before: process it, then <see cref="ReplyCache.Complete"/> or <see cref="ReplyCache.Abandon"/>.</summary>
    New = 0,

    /// <summary>A retransmission of a request already answered: send the same reply again, do not process it twice.</summary>
    Answered = 1,

    /// <summary>A retransmission of a request still being processed: drop it (the answer is on its way).</summary>
    InProgress = 2,
}

/// <summary>
/// Duplicate detection and the reply cache of RFC 5080 §2.2.2: a retransmitted request gets the very reply the first
/// one got, so a PAP check or an EAP step is never run twice (a second run could lock an account out, or advance an EAP
/// conversation). Replies are kept for <c>keep</c> (FreeRADIUS's cleanup_delay is 5 s); the cache is bounded and
/// forgets its oldest entries first when full. Thread-safe.
/// </summary>
public sealed class ReplyCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<RequestKey, (byte[]? Reply, long Expires)> _entries;   // Reply null: still being processed
    private readonly Queue<(RequestKey Key, long Expires)> _order = new();
    private readonly TimeProvider _time;
    private readonly long _keepTicks;
    private readonly int _capacity;

    public ReplyCache(TimeProvider time, TimeSpan keep, int capacity = 65_536)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        _keepTicks = (long)(keep.TotalSeconds * time.TimestampFrequency);
        _capacity = capacity;
        _entries = new Dictionary<RequestKey, (byte[]?, long)>(Math.Min(capacity, 4096));
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Looks the request up; a new one is recorded as in progress.</summary>
    public ReplyCacheResult Begin(in RequestKey key, out byte[]? reply)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            Expire(now);
            if (_entries.TryGetValue(key, out var entry))
            {
                reply = entry.Reply;
                return reply is null ? ReplyCacheResult.InProgress : ReplyCacheResult.Answered;
            }

            reply = null;
            while (_entries.Count >= _capacity && _order.TryDequeue(out var oldest))
            {
                RemoveIfCurrent(oldest);
            }

            _entries[key] = (null, now + _keepTicks);
            _order.Enqueue((key, now + _keepTicks));
            return ReplyCacheResult.New;
        }
    }

    /// <summary>Keeps a copy of the reply sent, for retransmissions of the same request.</summary>
    public void Complete(in RequestKey key, ReadOnlySpan<byte> reply)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                _entries[key] = (reply.ToArray(), entry.Expires);
            }
        }
    }

    /// <summary>Forgets a request that got no reply (dropped, or failed): a retransmission is then processed afresh.</summary>
    public void Abandon(in RequestKey key)
    {
        lock (_lock)
        {
            _entries.Remove(key);
        }
    }

    private void Expire(long now)
    {
        while (_order.TryPeek(out var oldest) && oldest.Expires <= now)
        {
            _order.Dequeue();
            RemoveIfCurrent(oldest);
        }
    }

    // The queue may still hold a request that was abandoned and begun again: only the entry it was queued for goes.
    private void RemoveIfCurrent((RequestKey Key, long Expires) queued)
    {
        if (_entries.TryGetValue(queued.Key, out var entry) && entry.Expires == queued.Expires)
        {
            _entries.Remove(queued.Key);
        }
    }
}
