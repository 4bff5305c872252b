using Appliance.Core.Events;
using Appliance.Core.Policy;
using Appliance.Dns.Cache;
using Appliance.Dns.Resolution;
using Appliance.Protocols.Dns;
using Microsoft.Extensions.Logging;

namespace Appliance.Dns.Upstream;

public sealed partial class Forwarder
{
    private void ScanGuarded()
    {
        try
        {
            Scan();
        }
        catch (Exception ex)
        {
            Log.ScanFailed(_logger, ex);   // a timer callback must never take the process down
        }
    }

    /// <summary>
    /// Moves on every query whose attempt timed out or failed: to the next upstream while attempts and time
    /// remain, else to its final answer. Runs on a timer and right after a channel fails.
    /// </summary>
    private void Scan()
    {
        lock (_scanLock)
        {
            if (_stopped)
            {
                return;   // the sockets are going: nothing more is sent
            }

            var now = _time.GetTimestamp();
            var expired = 0;
            var staleNow = 0;
            lock (_lock)
            {
                foreach (var slot in _slots)
                {
                    if (slot.State == PendingQuery.InFlight && now - slot.WaitingSince >= _staleAfterTicks)
                    {
                        staleNow = DetachForStale(slot, now, staleNow);
                    }

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
                        Unindex(slot);
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

            for (var i = 0; i < staleNow; i++)
            {
                var (waiter, entry) = _staleNow[i];
                Answer(entry.Key, waiter, entry, failed: true, stale: true, _scanScratch, now);
                FreeWaiter(waiter);
                _staleNow[i] = default;
            }
        }
    }

    // Under _lock. If the cache holds an expired answer, hand every client still waiting on this slot over to be
    // answered with it now; the slot carries on as a background refresh (and anyone who joins later gets the same
    // treatment after their own wait). The slot's own client moves to a waiter record so the slot keeps no client.
    private int DetachForStale(PendingQuery slot, long now, int count)
    {
        if ((slot.IsPrefetch && slot.FirstWaiter < 0) || _cache.TryGet(slot.KeyBytes, slot.Hash, now, out var entry) != CacheLookup.Stale)
        {
            return count;
        }

        var head = slot.FirstWaiter;
        if (!slot.IsPrefetch)
        {
            if (_freeWaiterCount == 0)
            {
                return count;   // no record free to move the client to: it gets the final answer instead
            }

            var own = _waiters[_freeWaiters[--_freeWaiterCount]];
            own.CopyFrom(slot);
            own.Next = head;
            head = own.Index;
            slot.Sink = null;
        }

        slot.FirstWaiter = -1;
        slot.WaitingSince = now;
        for (var i = head; i >= 0; i = _waiters[i].Next)
        {
            _staleNow[count++] = (_waiters[i], entry!);
        }

        return count;
    }

    private void FreeWaiter(Waiter waiter)
    {
        lock (_lock)
        {
            waiter.Sink = null;
            waiter.Next = -1;
            _freeWaiters[_freeWaiterCount++] = waiter.Index;
        }
    }

    /// <summary>
    /// Answers everyone waiting on a finished slot — its own client (none for a prefetch) and any coalesced
    /// waiters — from <paramref name="entry"/>, or on failure from stale cache (RFC 8767) or SERVFAIL; records
    /// their events and frees the slot and the waiters.
    /// </summary>
    private void Finish(PendingQuery slot, CacheEntry? entry, bool stale, Span<byte> scratch, long now)
    {
        var failed = entry is null;
        if (failed)
        {
            // Every upstream failed. An expired answer beats no answer.
            var found = _cache.TryGet(slot.KeyBytes, slot.Hash, now, out var cached);
            if (found != CacheLookup.Miss)
            {
                entry = cached!;
                stale = found == CacheLookup.Stale;
            }
        }

        if (slot.RefreshEntry is { } old)
        {
            Volatile.Write(ref old.Refreshing, 0);
        }

        if (!slot.IsPrefetch)
        {
            Answer(slot.KeyBytes, slot, entry, failed, stale, scratch, now);
        }

        var next = slot.FirstWaiter;
        while (next >= 0)
        {
            var waiter = _waiters[next];
            Answer(slot.KeyBytes, waiter, entry, failed, stale, scratch, now);
            next = waiter.Next;
            FreeWaiter(waiter);
        }

        Release(slot);
    }

    private void Answer(ReadOnlySpan<byte> key, Recipient to, CacheEntry? entry, bool failed, bool stale, Span<byte> scratch, long now)
    {
        var query = new ClientQuery(to.ClientId, to.ClientFlags, to.Question.AsSpan(0, to.QuestionLength), to.HasEdns, to.DnssecOk);
        var reason = to.Reason;
        var flags = QueryEventFlags.Forwarded;
        var verdict = new Verdict(VerdictAction.Allow, reason, 0, to.Group);
        int length;
        DnsRcode rcode;
        if (entry is null)
        {
            rcode = DnsRcode.ServFail;
            reason = ReasonCode.DnsUpstreamFailed;
            Interlocked.Increment(ref _counters.ServFail);
            length = ResponseWriter.WriteHeaderOnly(scratch, query, rcode, truncated: false, ad: false, EdeCode.NoReachableAuthority);
        }
        else
        {
            if (failed)
            {
                reason = stale ? ReasonCode.DnsServedStale : reason;
                flags |= stale ? QueryEventFlags.Stale : QueryEventFlags.CacheHit;
                Interlocked.Increment(ref stale ? ref _counters.StaleAnswers : ref _counters.CacheHits);
            }

            rcode = entry.Rcode;
            var age = stale ? 0 : Math.Max(0, _cache.AgeSeconds(entry, now));
            length = ResponseWriter.WriteFromEntry(scratch, query, entry, age, stale, to.Limit);
            if (length > 0 && entry.HasCname && Policy is { } policy && policy.BlockByCnameTarget(scratch, ref length, query, CacheKey.TypeOf(key),
                CacheKey.ClassOf(key), to.Client, to.Sink!.IsStream ? RequestSource.DnsTcp : RequestSource.DnsUdp, to.Limit, out var blocked))
            {
                verdict = blocked;
                reason = blocked.Reason;
                rcode = DnsRcode.NoError;
                flags |= QueryEventFlags.Blocked;
                Interlocked.Increment(ref _counters.Blocked);
            }
            if (length > 0 && (scratch[2] & 0x02) != 0)
            {
                flags |= QueryEventFlags.Truncated;
                Interlocked.Increment(ref _counters.Truncated);
            }
        }

        var sink = to.Sink!;
        if (length > 0)
        {
            sink.SendReply(scratch[..length], to.ReplyAddress);
        }

        lock (_lock)
        {
            DoneWaiting(to.ClientKey);
        }

        if (sink.IsStream)
        {
            flags |= QueryEventFlags.Tcp;
        }

        var micros = (uint)Math.Min(uint.MaxValue, (now - to.ReceivedAt) * 1_000_000 / _time.TimestampFrequency);
        Span<byte> redacted = stackalloc byte[DnsLimits.MaxNameLength];
        var name = Policy is { } p ? p.LoggedName(verdict, CacheKey.NameOf(key), redacted) : CacheKey.NameOf(key);
        QueryEvents.Emit(_events, _time, to.Client, name, CacheKey.TypeOf(key), reason, rcode, flags, micros, to.Group, verdict.Categories);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 130, Level = LogLevel.Error, Message = "Handling an answer from upstream {Upstream} failed; the answer was ignored")]
        public static partial void ResponseFailed(ILogger logger, UpstreamServer upstream, Exception exception);

        [LoggerMessage(EventId = 131, Level = LogLevel.Error, Message = "The forwarder's timeout scan failed; it runs again on the next tick")]
        public static partial void ScanFailed(ILogger logger, Exception exception);
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
