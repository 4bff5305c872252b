using Appliance.Core.Events;
using Appliance.Core.Policy;
using Appliance.Dns.Cache;
using Appliance.Dns.Resolution;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Upstream;

public sealed partial class Forwarder
{
    /// <summary>
    /// Moves on every query whose attempt timed out or failed: to the next upstream while attempts and time
    /// remain, else to its final answer. Runs on a timer and right after a channel fails.
    /// </summary>
    private void Scan()
    {
        lock (_scanLock)
        {
            var now = _time.GetTimestamp();
            var expired = 0;
            lock (_lock)
            {
                foreach (var slot in _slots)
                {
                    if (slot.State != PendingQuery.InFlight || slot.AttemptDeadline > now)
                    {
                        continue;
                    }

                    if (slot.AttemptDeadline != 0)
                    {
                        slot.Channel!.Server.ReportFailure();   // a timeout; refusals and SERVFAIL were counted when seen
                    }

                    if (slot.Attempts < _maxAttempts && now < slot.FinalDeadline)
                    {
                        Launch(slot, now);
                    }
                    else
                    {
                        ReleaseId(slot);
                        slot.State = PendingQuery.Completing;
                        _expired[expired++] = slot;
                    }
                }
            }

            for (var i = 0; i < expired; i++)
            {
                Finish(_expired[i], null, stale: false, _scanScratch, now);
                _expired[i] = null!;
            }
        }
    }

    /// <summary>
    /// Answers the client of a finished slot (from <paramref name="entry"/>, or on failure from stale cache or
    /// SERVFAIL), records the event and frees the slot.
    /// </summary>
    private void Finish(PendingQuery slot, CacheEntry? entry, bool stale, Span<byte> scratch, long now)
    {
        if (slot.IsPrefetch)
        {
            if (slot.RefreshEntry is { } old)
            {
                Volatile.Write(ref old.Refreshing, 0);
            }

            Release(slot);
            return;
        }

        var query = new ClientQuery(slot.ClientId, slot.ClientFlags, slot.Question.AsSpan(0, slot.QuestionLength), slot.HasEdns, slot.DnssecOk);
        var reason = slot.Reason;
        var flags = QueryEventFlags.Forwarded;
        int length;
        DnsRcode rcode;
        if (entry is null)
        {
            // Every upstream failed. RFC 8767: an expired answer beats no answer.
            var key = slot.Key.AsSpan(0, slot.KeyLength);
            var found = _cache.TryGet(key, slot.Hash, now, out var cached);
            if (found != CacheLookup.Miss)
            {
                entry = cached!;
                stale = found == CacheLookup.Stale;
                reason = stale ? ReasonCode.DnsServedStale : reason;
                flags |= stale ? QueryEventFlags.Stale : QueryEventFlags.CacheHit;
                Interlocked.Increment(ref stale ? ref _counters.StaleAnswers : ref _counters.CacheHits);
            }
        }

        if (entry is null)
        {
            rcode = DnsRcode.ServFail;
            reason = ReasonCode.DnsUpstreamFailed;
            Interlocked.Increment(ref _counters.ServFail);
            length = ResponseWriter.WriteHeaderOnly(scratch, query, rcode, truncated: false, ad: false, EdeCode.NoReachableAuthority);
        }
        else
        {
            rcode = entry.Rcode;
            var age = stale ? 0 : Math.Max(0, _cache.AgeSeconds(entry, now));
            length = ResponseWriter.WriteFromEntry(scratch, query, entry, age, stale, slot.Limit);
            if (length > 0 && (scratch[2] & 0x02) != 0)
            {
                flags |= QueryEventFlags.Truncated;
                Interlocked.Increment(ref _counters.Truncated);
            }
        }

        if (length > 0)
        {
            slot.Sink!.SendReply(scratch[..length], slot.ReplyAddress);
        }

        if (slot.Sink!.IsStream)
        {
            flags |= QueryEventFlags.Tcp;
        }

        var micros = (uint)Math.Min(uint.MaxValue, (now - slot.ReceivedAt) * 1_000_000 / _time.TimestampFrequency);
        QueryEvents.Emit(_events, _time, slot.Client, CacheKey.NameOf(slot.Key.AsSpan(0, slot.KeyLength)), CacheKey.TypeOf(slot.Key.AsSpan(0, slot.KeyLength)),
            reason, rcode, flags, micros);
        Release(slot);
    }

    private void Release(PendingQuery slot)
    {
        lock (_lock)
        {
            slot.Reset();
            _free[_freeCount++] = slot.Index;
        }
    }
}
