using System.Buffers.Binary;
using System.Security.Cryptography;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Dns.Cache;
using Appliance.Dns.Resolution;
using Appliance.Dns.Transport;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Upstream;

/// <summary>Sending queries out: coalescing, slots and waiters, upstream choice, ids.</summary>
public sealed partial class Forwarder
{
    /// <summary>
    /// Sends a client's query upstream, or, when the same question (same cache key) is already on its way, adds the
    /// client to that query's waiters so one upstream answer serves both (request coalescing: a class opening the
    /// same site at once costs one upstream query). False when every slot is busy or there is no upstream: the
    /// caller answers SERVFAIL at once.
    /// </summary>
    public bool TryForward(in ParsedQuery query, ReadOnlySpan<byte> question, ReadOnlySpan<byte> key, int hash, in ClientAddress client,
        IReplySink sink, ReadOnlySpan<byte> replyAddress, in Verdict verdict, long now)
    {
        lock (_lock)
        {
            if (_servers.Length == 0)
            {
                return false;
            }

            var clientKey = Recipient.KeyOf(client);
            ref var waiting = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_perClient, clientKey, out _);
            if (waiting >= _options.MaxInFlightPerClient)
            {
                if (waiting == 0)
                {
                    _perClient.Remove(clientKey);
                }

                Interlocked.Increment(ref _counters.ClientCapped);
                return false;
            }

            waiting++;
            if (FindInFlight(key, hash) is { } existing && _freeWaiterCount > 0)
            {
                var waiter = _waiters[_freeWaiters[--_freeWaiterCount]];
                waiter.SetClient(query, question, client, sink, replyAddress, verdict, now);
                waiter.Next = existing.FirstWaiter;
                existing.FirstWaiter = waiter.Index;
                Interlocked.Increment(ref _counters.Coalesced);
                return true;
            }

            if (_freeCount == 0)
            {
                DoneWaiting(clientKey);
                return false;
            }

            var slot = _slots[_free[--_freeCount]];
            slot.SetClient(query, question, client, sink, replyAddress, verdict, now);
            slot.WaitingSince = now;
            Fill(slot, key, hash);
            Launch(slot, now);
            return true;
        }
    }

    /// <summary>Refreshes a popular entry before it expires (or a stale one), with no client waiting.</summary>
    public void Prefetch(CacheEntry entry, long now)
    {
        if (Interlocked.CompareExchange(ref entry.Refreshing, 1, 0) != 0)
        {
            return;
        }

        if (!LaunchWithoutClient(entry.Key, entry.Hash, entry, now))
        {
            Volatile.Write(ref entry.Refreshing, 0);
        }
        else
        {
            Interlocked.Increment(ref _counters.Prefetches);
        }
    }

    /// <summary>
    /// Fetches a question into the cache with no client waiting (the box's own lookups, such as the addresses of
    /// safe-search names). False when it is already on its way, or slots are short.
    /// </summary>
    /// <param name="key">A cache key (<see cref="CacheKey.Write"/>).</param>
    /// <param name="hash">Its <see cref="CacheKey.Hash"/>.</param>
    /// <param name="now">A <see cref="TimeProvider.GetTimestamp"/> reading.</param>
    public bool Warm(ReadOnlySpan<byte> key, int hash, long now) => LaunchWithoutClient(key, hash, null, now);

    private bool LaunchWithoutClient(ReadOnlySpan<byte> key, int hash, CacheEntry? refreshing, long now)
    {
        lock (_lock)
        {
            // Keep three quarters of the slots for clients (the box's own lookups use at most a quarter, so a lesson's
            // hundred hosts warmed at once cannot starve them); a client's query for the same key may already be on its way.
            if (_freeCount <= _slots.Length * 3 / 4 || _servers.Length == 0 || FindInFlight(key, hash) is not null)
            {
                return false;
            }

            var slot = _slots[_free[--_freeCount]];
            slot.Sink = null;
            slot.RefreshEntry = refreshing;
            slot.ReceivedAt = now;
            var flags = CacheKey.FlagsOf(key);
            slot.ClientFlags = (ushort)(DnsHeader.RdBit | ((flags & CacheKey.CheckingDisabledFlag) != 0 ? DnsHeader.CdBit : 0));
            slot.DnssecOk = (flags & CacheKey.DnssecOkFlag) != 0;
            var name = CacheKey.NameOf(key);
            name.CopyTo(slot.Question);
            BinaryPrimitives.WriteUInt16BigEndian(slot.Question.AsSpan(name.Length), CacheKey.TypeOf(key));
            BinaryPrimitives.WriteUInt16BigEndian(slot.Question.AsSpan(name.Length + 2), CacheKey.ClassOf(key));
            slot.QuestionLength = name.Length + 4;
            slot.WaitingSince = now;
            Fill(slot, key, hash);
            Launch(slot, now);
            return true;
        }
    }

    // Under _lock: one fewer query of this client waits upstream.
    private void DoneWaiting(ulong clientKey)
    {
        ref var waiting = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_perClient, clientKey);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref waiting) && --waiting <= 0)
        {
            _perClient.Remove(clientKey);
        }
    }

    // Under _lock: the cache key, and the slot listed in the in-flight index so that later askers can wait on it.
    private void Fill(PendingQuery slot, ReadOnlySpan<byte> key, int hash)
    {
        key.CopyTo(slot.Key);
        slot.KeyLength = key.Length;
        slot.Hash = hash;
        slot.TriedMask = 0;
        slot.Attempts = 0;
        slot.FirstWaiter = -1;
        ref var bucket = ref _inFlightBuckets[hash & (_inFlightBuckets.Length - 1)];
        slot.NextInBucket = bucket;
        bucket = slot.Index;
        slot.Indexed = true;
    }

    // Under _lock.
    private PendingQuery? FindInFlight(ReadOnlySpan<byte> key, int hash)
    {
        for (var i = _inFlightBuckets[hash & (_inFlightBuckets.Length - 1)]; i != NoSlot; i = _slots[i].NextInBucket)
        {
            var slot = _slots[i];
            if (slot.Hash == hash && slot.KeyBytes.SequenceEqual(key))
            {
                return slot;
            }
        }

        return null;
    }

    // Under _lock: once a slot is completing nobody may join it; its waiters list is final.
    private void Unindex(PendingQuery slot)
    {
        if (!slot.Indexed)
        {
            return;
        }

        ref var link = ref _inFlightBuckets[slot.Hash & (_inFlightBuckets.Length - 1)];
        while (link != NoSlot)
        {
            if (link == slot.Index)
            {
                link = slot.NextInBucket;
                break;
            }

            link = ref _slots[link].NextInBucket;
        }

        slot.NextInBucket = NoSlot;
        slot.Indexed = false;
    }

    // Under _lock: a new id, the best untried upstream, build and send.
    private void Launch(PendingQuery slot, long now)
    {
        if (slot.Attempts == 0)
        {
            slot.FinalDeadline = now + _resolveTicks;
        }

        var server = PickServer(slot, now);
        slot.UpstreamId = NewId(slot.Index);
        slot.Channel = server.PrimaryChannel();
        slot.TriedMask |= 1u << server.Index;
        slot.Attempts++;
        slot.AttemptSentAt = now;
        slot.AttemptDeadline = Math.Min(now + _attemptTicks, slot.FinalDeadline);
        slot.State = PendingQuery.InFlight;
        BuildUpstreamQuery(slot);
        Interlocked.Increment(ref _counters.Forwarded);
        if (!slot.Channel.TrySend(slot.Query.AsSpan(0, slot.QueryLength)))
        {
            slot.AttemptDeadline = 0;   // the next scan moves it on
        }
    }

    private UpstreamServer PickServer(PendingQuery slot, long now)
    {
        UpstreamServer? best = null;
        for (var pass = 0; pass < 2 && best is null; pass++)
        {
            foreach (var server in _servers)
            {
                if (pass == 0 && (slot.TriedMask & (1u << server.Index)) != 0)
                {
                    continue;
                }

                if (best is null || Better(server, best, now))
                {
                    best = server;
                }
            }
        }

        return best!;

        static bool Better(UpstreamServer a, UpstreamServer b, long now)
        {
            var aDown = a.IsDown(now);
            var bDown = b.IsDown(now);
            return aDown != bDown ? !aDown : a.SmoothedRttMicros < b.SmoothedRttMicros;
        }
    }

    private static void BuildUpstreamQuery(PendingQuery slot)
    {
        var writer = new DnsMessageWriter(slot.Query);
        var flags = (ushort)(DnsHeader.RdBit | (slot.ClientFlags & DnsHeader.CdBit));
        writer.TryWriteHeader(new DnsHeader(slot.UpstreamId, flags, 1, 0, 0, 1));
        writer.TryWriteBytes(slot.Question.AsSpan(0, slot.QuestionLength));
        writer.TryWriteOpt(DnsLimits.EdnsUdpSize, DnsRcode.NoError, slot.DnssecOk);
        slot.QueryLength = writer.BytesWritten;
    }

    // Under _lock. Random ids (RFC 5452 §4.3) from a buffer refilled by the system CSPRNG.
    private ushort NewId(int slotIndex)
    {
        ReleaseId(_slots[slotIndex]);
        while (true)
        {
            if (_randomIdsUsed == _randomIds.Length)
            {
                RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_randomIds.AsSpan()));
                _randomIdsUsed = 0;
            }

            var id = _randomIds[_randomIdsUsed++];
            if (_idToSlot[id] == NoSlot)
            {
                _idToSlot[id] = slotIndex;
                return id;
            }
        }
    }

    private void ReleaseId(PendingQuery slot)
    {
        if (slot.State == PendingQuery.InFlight && _idToSlot[slot.UpstreamId] == slot.Index)
        {
            _idToSlot[slot.UpstreamId] = NoSlot;
        }
    }
}
