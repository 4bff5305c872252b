using Appliance.Core.Events;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Dns.Cache;
using Appliance.Dns.RateLimit;
using Appliance.Dns.Transport;
using Appliance.Dns.Upstream;
using Appliance.Protocols.Dns;
using Microsoft.Extensions.Logging;

namespace Appliance.Dns.Resolution;

/// <summary>
/// The hot path for one query: parse → rate limit → policy (<see cref="AnswerPolicy"/>) → cache → answer, or hand
/// the miss to the <see cref="Forwarder"/>. Synchronous and allocation-free up to the forwarder: every buffer is
/// the caller's or on the stack, the name is never a string, the event is a struct copied into a ring.
/// </summary>
public sealed partial class QueryProcessor
{
    private readonly DnsCache _cache;
    private readonly Forwarder _forwarder;
    private readonly AnswerPolicy _policy;
    private readonly ClientRateLimiter _limiter;
    private readonly EventRing<QueryEvent> _events;
    private readonly DnsCounters _counters;
    private readonly TimeProvider _time;
    private readonly CacheOptions _cacheOptions;
    private readonly RateLimitAction _rateAction;
    private readonly LocalNameTable _localNames;
    private readonly ILogger _logger;

    public QueryProcessor(DnsCache cache, Forwarder forwarder, AnswerPolicy policy, ClientRateLimiter limiter, EventRing<QueryEvent> events,
        DnsCounters counters, TimeProvider time, DnsServerOptions options, ILogger logger)
    {
        _cache = cache;
        _forwarder = forwarder;
        _policy = policy;
        _limiter = limiter;
        _events = events;
        _counters = counters;
        _time = time;
        _cacheOptions = options.Cache;
        _rateAction = options.RateLimit.Action;
        _localNames = LocalNameTable.Build(options.LocalNames);
        _logger = logger;
    }

    /// <summary>Returned by <see cref="Process"/> when the answer will come later through the sink.</summary>
    public const int Forwarded = -1;

    /// <summary>
    /// Handles one query. Returns the length of the answer written to <paramref name="response"/> to send now,
    /// 0 when the query is dropped unanswered, or <see cref="Forwarded"/>.
    /// </summary>
    /// <param name="packet">The query as received (no TCP length prefix).</param>
    /// <param name="response">At least 64 KiB for stream transports, 1232 bytes for UDP.</param>
    /// <param name="sockaddr">The client's raw socket address; also where a forwarded answer will go.</param>
    /// <param name="sink">The transport that answers a forwarded query later.</param>
    public int Process(ReadOnlySpan<byte> packet, Span<byte> response, ReadOnlySpan<byte> sockaddr, IReplySink sink)
    {
        Interlocked.Increment(ref _counters.Queries);
        var now = _time.GetTimestamp();
        ClientAddress.TryFromSockaddr(sockaddr, out var client);

        Span<byte> name = stackalloc byte[DnsLimits.MaxNameLength];
        var disposition = ParsedQuery.Read(packet, name, out var query);
        if (disposition == QueryDisposition.Drop)
        {
            Interlocked.Increment(ref _counters.Dropped);
            return 0;
        }

        // The question as every answer below carries it (RFC 1035 §4.1.2; 0x20 case kept, never compressed).
        Span<byte> questionBuffer = stackalloc byte[DnsLimits.MaxNameLength + 4];
        var question = questionBuffer[..query.WriteQuestion(name, questionBuffer)];
        Span<byte> lower = stackalloc byte[DnsLimits.MaxNameLength];
        var lowerName = lower[..query.NameLength];
        name[..query.NameLength].CopyTo(lowerName);
        DnsName.ToLowerInPlace(lowerName);   // events, policy and the cache key all use the lower-case form (RFC 4343)

        var rate = _limiter.Check(client, now);
        if (rate != RateDecision.Allow)
        {
            Interlocked.Increment(ref _counters.RateLimited);
            if (rate == RateDecision.LimitAndReport)
            {
                Log.RateLimited(_logger, client.ToIPAddress(), _rateAction);
            }

            Emit(client, query, lowerName, ReasonCode.DnsRateLimited, DnsRcode.Refused, QueryEventFlags.Dropped);
            return _rateAction == RateLimitAction.Drop ? 0 : Error(response, query, question, DnsRcode.Refused, EdeCode.Prohibited);
        }

        switch (disposition)
        {
            case QueryDisposition.FormErr:
                Interlocked.Increment(ref _counters.FormErr);
                Emit(client, query, lowerName, ReasonCode.DnsMalformedQuery, DnsRcode.FormErr, QueryEventFlags.None);
                return Error(response, query, question, DnsRcode.FormErr, null);
            case QueryDisposition.NotImp:
                Emit(client, query, lowerName, ReasonCode.DnsNotImplemented, DnsRcode.NotImp, QueryEventFlags.None);
                return Error(response, query, question, DnsRcode.NotImp, null);
            case QueryDisposition.BadVers:
                Emit(client, query, lowerName, ReasonCode.DnsMalformedQuery, DnsRcode.BadVers, QueryEventFlags.None);
                return Error(response, query, question, DnsRcode.BadVers, null);
        }

        // Zone transfers are not a forwarder's business (RFC 5936 §2.2.1 lets a server refuse them).
        if (query.Type is DnsType.Axfr or DnsType.Ixfr)
        {
            Emit(client, query, lowerName, ReasonCode.DnsNotImplemented, DnsRcode.Refused, QueryEventFlags.None);
            return Error(response, query, question, DnsRcode.Refused, EdeCode.Prohibited);
        }

        var source = sink.IsStream ? RequestSource.DnsTcp : RequestSource.DnsUdp;
        var streamFlag = sink.IsStream ? QueryEventFlags.Tcp : QueryEventFlags.None;
        var limit = sink.IsStream ? DnsLimits.MaxMessageLength : query.UdpLimit;
        var clientQuery = new ClientQuery(query.Id, query.Flags, question, query.HasEdns, query.DnssecOk);

        // The box's own names (the lesson mirror) are answered here, above the policy: nothing to judge or forward.
        if (_localNames.Count > 0 && _localNames.Find(lowerName) is { } local)
        {
            Emit(client, query, lowerName, ReasonCode.DnsAnsweredLocal, DnsRcode.NoError, streamFlag);
            return LocalAnswer.Write(response, clientQuery, query.Type, query.Class, local, limit);
        }

        var verdict = _policy.Decide(lowerName, query.Type, client, source);
        if (verdict.IsBlocked)
        {
            Interlocked.Increment(ref _counters.Blocked);
            var blockedRcode = verdict.Action == VerdictAction.NxDomain ? DnsRcode.NXDomain : DnsRcode.NoError;
            Emit(client, query, lowerName, verdict, blockedRcode, QueryEventFlags.Blocked | streamFlag);
            return BlockedAnswer.Write(response, clientQuery, query.Type, query.Class, verdict.Action, verdict.Categories, limit);
        }

        if (verdict.Action == VerdictAction.Rewrite)
        {
            return Rewrite(response, clientQuery, query, lowerName, client, verdict, streamFlag, limit, now);
        }

        Span<byte> key = stackalloc byte[CacheKey.MaxLength];
        var keyLength = CacheKey.Write(key, lowerName, query.Type, query.Class, query.DnssecOk, query.CheckingDisabled);
        key = key[..keyLength];
        var hash = CacheKey.Hash(key);
        var lookup = _cache.TryGet(key, hash, now, out var entry);
        var answerNowStale = lookup == CacheLookup.Stale && _forwarder.AllUpstreamsDown(now);
        if (lookup == CacheLookup.Fresh || answerNowStale)
        {
            var stale = lookup == CacheLookup.Stale;
            var length = ResponseWriter.WriteFromEntry(response, clientQuery, entry!, stale ? 0 : _cache.AgeSeconds(entry!, now), stale, limit);
            var flags = (stale ? QueryEventFlags.Stale : QueryEventFlags.CacheHit) | streamFlag;
            if (entry!.HasCname && _policy.BlockByCnameTarget(response, ref length, clientQuery, query.Type, query.Class, client, source, limit,
                out var cnameVerdict))
            {
                Interlocked.Increment(ref _counters.Blocked);
                Emit(client, query, lowerName, cnameVerdict, DnsRcode.NoError, flags | QueryEventFlags.Blocked);
                return length;
            }

            if ((response[2] & 0x02) != 0)
            {
                flags |= QueryEventFlags.Truncated;
                Interlocked.Increment(ref _counters.Truncated);
            }

            Interlocked.Increment(ref stale ? ref _counters.StaleAnswers : ref _counters.CacheHits);
            MaybeRefresh(entry!, now, stale);
            Emit(client, query, lowerName, stale ? verdict with { Reason = ReasonCode.DnsServedStale } : verdict, entry!.Rcode, flags);
            return length;
        }

        if (_forwarder.TryForward(query, question, key, hash, client, sink, sockaddr, verdict, now))
        {
            return Forwarded;
        }

        if (lookup == CacheLookup.Stale)
        {
            // Could not forward (table full, or this client already has too many waiting): RFC 8767 prefers an
            // expired answer to an error.
            Interlocked.Increment(ref _counters.StaleAnswers);
            Emit(client, query, lowerName, ReasonCode.DnsServedStale, entry!.Rcode, QueryEventFlags.Stale);
            return ResponseWriter.WriteFromEntry(response, clientQuery, entry, 0, stale: true, limit);
        }

        Interlocked.Increment(ref _counters.Overloaded);
        Interlocked.Increment(ref _counters.ServFail);
        Emit(client, query, lowerName, ReasonCode.DnsOverloaded, DnsRcode.ServFail, QueryEventFlags.None);
        return Error(response, query, question, DnsRcode.ServFail, EdeCode.Other);
    }

    // Safe search: a CNAME to the engine's enforcement name with that name's addresses from the cache. Their
    // absence (only until the box's warm-up lookups land) is answered SERVFAIL "Not Ready" (RFC 8914 §4.15) and
    // starts the lookup, so the client's retry a moment later succeeds; an unenforced answer is never given.
    private int Rewrite(Span<byte> response, in ClientQuery clientQuery, in ParsedQuery query, ReadOnlySpan<byte> lowerName, in ClientAddress client,
        in Verdict verdict, QueryEventFlags streamFlag, int limit, long now)
    {
        var target = SafeSearch.TargetName(verdict.Target);
        if (query.Type is not (DnsType.A or DnsType.Aaaa) || query.Class != DnsClass.IN)
        {
            Emit(client, query, lowerName, verdict, DnsRcode.NoError, streamFlag);
            return SafeSearchAnswer.Write(response, clientQuery, query.Type, target, null, 0, stale: false, limit);
        }

        Span<byte> key = stackalloc byte[CacheKey.MaxLength];
        key = key[..CacheKey.Write(key, target, query.Type, DnsClass.IN, dnssecOk: false, checkingDisabled: false)];
        var hash = CacheKey.Hash(key);
        var lookup = _cache.TryGet(key, hash, now, out var entry);
        if (lookup == CacheLookup.Miss)
        {
            _forwarder.Warm(key, hash, now);
            Interlocked.Increment(ref _counters.ServFail);
            Emit(client, query, lowerName, verdict, DnsRcode.ServFail, streamFlag);
            return ResponseWriter.WriteHeaderOnly(response, clientQuery, DnsRcode.ServFail, truncated: false, ad: false, EdeCode.NotReady);
        }

        var stale = lookup == CacheLookup.Stale;
        MaybeRefresh(entry!, now, stale);
        Emit(client, query, lowerName, verdict, DnsRcode.NoError, streamFlag | (stale ? QueryEventFlags.Stale : QueryEventFlags.CacheHit));
        return SafeSearchAnswer.Write(response, clientQuery, query.Type, target, entry, stale ? 0 : _cache.AgeSeconds(entry!, now), stale, limit);
    }

    // Prefetch (as unbound's prefetch and Blocky's do): a name asked for again in the last tenth of its TTL is
    // refreshed in the background, so the next asker still hits the cache. Stale answers always trigger a refresh.
    private void MaybeRefresh(CacheEntry entry, long now, bool stale)
    {
        var hits = Interlocked.Increment(ref entry.Hits);
        if (stale)
        {
            _forwarder.Prefetch(entry, now);
            return;
        }

        if (!_cacheOptions.Prefetch || entry.TtlSeconds < 10 || hits < 2)
        {
            return;
        }

        var remaining = (entry.TtlSeconds * _time.TimestampFrequency) - (now - entry.StoredAt);
        if (remaining * 10 < entry.TtlSeconds * _time.TimestampFrequency)
        {
            _forwarder.Prefetch(entry, now);
        }
    }

    private static int Error(Span<byte> response, in ParsedQuery query, ReadOnlySpan<byte> question, Appliance.Protocols.Dns.DnsRcode rcode, EdeCode? ede)
    {
        var clientQuery = new ClientQuery(query.Id, query.Flags, question, query.HasEdns, query.DnssecOk);
        return ResponseWriter.WriteHeaderOnly(response, clientQuery, rcode, truncated: false, ad: false, ede);
    }

    private void Emit(in ClientAddress client, in ParsedQuery query, ReadOnlySpan<byte> name, ReasonCode reason, Appliance.Protocols.Dns.DnsRcode rcode, QueryEventFlags flags)
        => QueryEvents.Emit(_events, _time, client, query.HasQuestion ? name[..query.NameLength] : default, query.Type, reason, rcode, flags, 0);

    private void Emit(in ClientAddress client, in ParsedQuery query, ReadOnlySpan<byte> name, in Verdict verdict, Appliance.Protocols.Dns.DnsRcode rcode,
        QueryEventFlags flags)
    {
        Span<byte> redacted = stackalloc byte[DnsLimits.MaxNameLength];
        var logged = _policy.LoggedName(verdict, query.HasQuestion ? name[..query.NameLength] : default, redacted);
        QueryEvents.Emit(_events, _time, client, logged, query.Type, verdict.Reason, rcode, flags, 0, verdict.Group, verdict.Categories);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 150, Level = LogLevel.Warning, Message = "Client {Client} exceeds its query rate; its queries are {Action} (reported once a minute)")]
        public static partial void RateLimited(ILogger logger, System.Net.IPAddress client, RateLimitAction action);
    }
}
