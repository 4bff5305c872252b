using System.Buffers.Binary;
using System.Security.Cryptography;
using Appliance.Core.Events;
using Appliance.Core.Net;
using Appliance.Core.Policy;
using Appliance.Dns.Cache;
using Appliance.Dns.Resolution;
using Appliance.Dns.Transport;
using Appliance.Protocols;
using Appliance.Protocols.Dns;
using Microsoft.Extensions.Logging;

namespace Appliance.Dns.Upstream;

/// <summary>
/// Sends cache misses to the upstreams and brings their answers back. A fixed table of
/// <see cref="PendingQuery"/> slots (never more than <see cref="DnsServerOptions.MaxInFlight"/>) is indexed by a
/// random 16-bit query id; an answer is accepted only from the channel the query went out on, with the slot's
/// current id and the same question (anti-spoofing, RFC 5452 §9.1). Timeouts, refused ports and SERVFAIL move a
/// query to the next upstream; TC moves it to TCP; when nothing is left it is answered stale (RFC 8767) or
/// SERVFAIL. Every upstream query is our own: new id, the client's question, our OPT — so ECS and cookies from
/// clients are never forwarded (RFC 7871 §7.1.2: a forwarder may strip ECS).
/// </summary>
public sealed partial class Forwarder : IDisposable
{
    private const int NoSlot = -1;
    private readonly PendingQuery[] _slots;
    private readonly int[] _free;
    private int _freeCount;
    private readonly int[] _idToSlot = new int[65_536];
    private readonly ushort[] _randomIds = new ushort[1_024];
    private int _randomIdsUsed;
    private readonly Lock _lock = new();
    private readonly Lock _scanLock = new();
    private readonly PendingQuery[] _expired;
    private readonly Waiter[] _waiters;
    private readonly int[] _freeWaiters;
    private int _freeWaiterCount;
    private readonly int[] _inFlightBuckets;
    private readonly Dictionary<ulong, int> _perClient;
    private readonly byte[] _scanScratch = new byte[65_536];

    private readonly DnsServerOptions _options;
    private readonly DnsCache _cache;
    private readonly DnsCounters _counters;
    private readonly EventRing<QueryEvent> _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _attemptTicks;
    private readonly long _resolveTicks;
    private readonly int _maxAttempts;
    private UpstreamServer[] _servers = [];
    private ITimer? _timer;

    public Forwarder(DnsServerOptions options, DnsCache cache, DnsCounters counters, EventRing<QueryEvent> events, TimeProvider time, ILogger logger)
    {
        if (options.Upstreams.Count > 32)
        {
            throw new ArgumentException("At most 32 upstreams are supported.", nameof(options));
        }

        _options = options;
        _cache = cache;
        _counters = counters;
        _events = events;
        _time = time;
        _logger = logger;
        _attemptTicks = (long)(options.UpstreamAttemptTimeout.TotalSeconds * time.TimestampFrequency);
        _resolveTicks = (long)(options.ResolveTimeout.TotalSeconds * time.TimestampFrequency);
        _maxAttempts = Math.Max(2, options.Upstreams.Count);
        _slots = new PendingQuery[options.MaxInFlight];
        _free = new int[options.MaxInFlight];
        _expired = new PendingQuery[options.MaxInFlight];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new PendingQuery(i);
            _free[i] = _slots.Length - 1 - i;
        }

        _freeCount = _slots.Length;
        _waiters = new Waiter[options.MaxInFlight];
        _freeWaiters = new int[options.MaxInFlight];
        for (var i = 0; i < _waiters.Length; i++)
        {
            _waiters[i] = new Waiter(i);
            _freeWaiters[i] = i;
        }

        _freeWaiterCount = _waiters.Length;
        _inFlightBuckets = new int[System.Numerics.BitOperations.RoundUpToPowerOf2((uint)options.MaxInFlight * 2)];
        Array.Fill(_inFlightBuckets, NoSlot);
        Array.Fill(_idToSlot, NoSlot);
        _perClient = new Dictionary<ulong, int>(options.MaxInFlight);   // sized once: never grows past the slots
        _randomIdsUsed = _randomIds.Length;
    }

    public IReadOnlyList<UpstreamServer> Servers => _servers;

    public int InFlight => _slots.Length - Volatile.Read(ref _freeCount);

    public void Start()
    {
        _servers = _options.Upstreams.Select((u, i) => new UpstreamServer(i, u, _options.UdpSocketsPerUpstream, this, _time)).ToArray();
        foreach (var server in _servers)
        {
            server.Start();
        }

        var period = TimeSpan.FromMilliseconds(Math.Clamp(_options.UpstreamAttemptTimeout.TotalMilliseconds / 10, 10, 100));
        _timer = _time.CreateTimer(_ => ScanGuarded(), null, period, period);
    }

    /// <summary>True when upstreams exist and every one is marked down: answer stale at once rather than wait.</summary>
    public bool AllUpstreamsDown(long now)
    {
        var servers = _servers;
        if (servers.Length == 0)
        {
            return true;
        }

        foreach (var server in servers)
        {
            if (!server.IsDown(now))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Sends a client's query upstream, or, when the same question (same cache key) is already on its way, adds the
    /// client to that query's waiters so one upstream answer serves both (request coalescing: a class opening the
    /// same site at once costs one upstream query). False when every slot is busy or there is no upstream: the
    /// caller answers SERVFAIL at once.
    /// </summary>
    public bool TryForward(in ParsedQuery query, ReadOnlySpan<byte> question, ReadOnlySpan<byte> key, int hash, in ClientAddress client,
        IReplySink sink, ReadOnlySpan<byte> replyAddress, ReasonCode reason, long now)
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
                waiter.SetClient(query, question, client, sink, replyAddress, reason, now);
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
            slot.SetClient(query, question, client, sink, replyAddress, reason, now);
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

        lock (_lock)
        {
            if (_freeCount < _slots.Length / 4 || _servers.Length == 0)
            {
                Volatile.Write(ref entry.Refreshing, 0);   // keep three quarters of the slots for clients
                return;
            }

            if (FindInFlight(entry.Key, entry.Hash) is not null)
            {
                Volatile.Write(ref entry.Refreshing, 0);   // a client's query for it is already on its way
                return;
            }

            var slot = _slots[_free[--_freeCount]];
            slot.Sink = null;
            slot.RefreshEntry = entry;
            slot.ReceivedAt = now;
            var flags = CacheKey.FlagsOf(entry.Key);
            slot.ClientFlags = (ushort)(DnsHeader.RdBit | ((flags & CacheKey.CheckingDisabledFlag) != 0 ? DnsHeader.CdBit : 0));
            slot.DnssecOk = (flags & CacheKey.DnssecOkFlag) != 0;
            var name = CacheKey.NameOf(entry.Key);
            name.CopyTo(slot.Question);
            BinaryPrimitives.WriteUInt16BigEndian(slot.Question.AsSpan(name.Length), CacheKey.TypeOf(entry.Key));
            BinaryPrimitives.WriteUInt16BigEndian(slot.Question.AsSpan(name.Length + 2), CacheKey.ClassOf(entry.Key));
            slot.QuestionLength = name.Length + 4;
            Fill(slot, entry.Key, entry.Hash);
            Interlocked.Increment(ref _counters.Prefetches);
            Launch(slot, now);
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

    /// <summary>
    /// <see cref="OnResponse"/> behind the receive loops' boundary: whatever goes wrong with one answer is logged
    /// and the loop goes on (STYLE.md: a catch-all only at a loop's boundary, and it records a reason).
    /// </summary>
    public void OnResponseGuarded(IUpstreamChannel channel, ReadOnlySpan<byte> message, Span<byte> scratch)
    {
        try
        {
            OnResponse(channel, message, scratch);
        }
        catch (Exception ex)
        {
            Log.ResponseFailed(_logger, channel.Server, ex);
        }
    }

    /// <summary>An answer from an upstream channel. <paramref name="scratch"/> is the caller's 64 KiB buffer.</summary>
    public void OnResponse(IUpstreamChannel channel, ReadOnlySpan<byte> message, Span<byte> scratch)
    {
        if (DnsHeader.TryRead(message, out var header) != ParseStatus.Ok || !header.IsResponse)
        {
            return;
        }

        var now = _time.GetTimestamp();
        PendingQuery slot;
        int questionEnd = 0;
        var failed = false;
        lock (_lock)
        {
            // An error answer may carry no question (RFC 1035 allows it for FORMERR and the like); it is matched by
            // id and channel alone, which at worst makes us try the next upstream.
            var index = _idToSlot[header.Id];
            if (index == NoSlot || _slots[index] is not { State: PendingQuery.InFlight } candidate || candidate.Channel != channel
                || !(SameQuestion(candidate, message, header, out questionEnd) || (header.QuestionCount == 0 && IsErrorRcode(header.Rcode))))
            {
                Interlocked.Increment(ref _counters.SpoofedOrLate);
                return;
            }

            slot = candidate;
            var server = channel.Server;
            if (header.IsTruncated && !channel.IsStream)
            {
                // RFC 7766 §5: the answer did not fit in UDP; ask the same upstream over TCP.
                Interlocked.Increment(ref _counters.TcpFallbacks);
                slot.Channel = server.Stream;
                slot.AttemptDeadline = Math.Min(now + _attemptTicks, slot.FinalDeadline);
                if (!server.Stream.TrySend(slot.Query.AsSpan(0, slot.QueryLength)))
                {
                    slot.AttemptDeadline = 0;
                }

                return;
            }

            // SERVFAIL and the like (or a TC answer even over TCP): this upstream could not answer this question;
            // another may (as unbound and dnsmasq do). It is alive, so its health is untouched: one broken domain
            // must not mark a good upstream down.
            if (IsErrorRcode(header.Rcode) || header.IsTruncated)
            {
                if (slot.Attempts < _maxAttempts && now < slot.FinalDeadline)
                {
                    Launch(slot, now);
                    return;
                }

                failed = true;
            }
            else
            {
                server.ReportSuccess((now - slot.AttemptSentAt) * 1_000_000 / _time.TimestampFrequency);
            }

            ReleaseId(slot);
            Unindex(slot);
            slot.State = PendingQuery.Completing;
        }

        if (failed)
        {
            Finish(slot, null, stale: false, scratch, now);
            return;
        }

        Interlocked.Increment(ref _counters.UpstreamAnswers);
        var key = slot.Key.AsSpan(0, slot.KeyLength);
        if (CacheEntryBuilder.TryBuild(message, header, questionEnd, key, slot.Hash, _options.Cache, now, out var entry, out var cacheable) != ParseStatus.Ok)
        {
            Finish(slot, null, stale: false, scratch, now);
            return;
        }

        if (cacheable && _cache is not null)
        {
            _cache.Insert(entry!);
        }

        Finish(slot, entry, stale: false, scratch, now);
    }

    private static bool IsErrorRcode(DnsRcode rcode) => rcode is DnsRcode.ServFail or DnsRcode.Refused or DnsRcode.NotImp or DnsRcode.FormErr;

    private static bool SameQuestion(PendingQuery slot, ReadOnlySpan<byte> message, in DnsHeader header, out int questionEnd)
    {
        questionEnd = 0;
        var reader = new DnsMessageReader(message);
        reader.ReadHeader(out _);
        if (header.QuestionCount != 1 || reader.ReadQuestion(out var question) != ParseStatus.Ok)
        {
            return false;
        }

        Span<byte> name = stackalloc byte[DnsLimits.MaxNameLength];
        if (DnsName.TryExpand(message, question.NameOffset, name, out _, out var length) != ParseStatus.Ok)
        {
            return false;
        }

        var expected = slot.Question.AsSpan(0, slot.QuestionLength);
        questionEnd = question.End;

        // The cached body's compression pointers assume the question sits uncompressed at offset 12 with the
        // same length as ours; an upstream that compressed its question is answered but must match that too.
        return question.NameOffset == DnsLimits.HeaderLength && question.NameWireLength == length
            && DnsName.EqualsIgnoreCase(name[..length], expected[..^4])
            && question.Type == BinaryPrimitives.ReadUInt16BigEndian(expected[^4..])
            && question.Class == BinaryPrimitives.ReadUInt16BigEndian(expected[^2..]);
    }

    /// <summary>A channel broke (port unreachable, connection lost): move its queries on now.</summary>
    public void OnChannelFailed(IUpstreamChannel channel)
    {
        lock (_lock)
        {
            foreach (var slot in _slots)
            {
                if (slot.State == PendingQuery.InFlight && slot.Channel == channel && slot.AttemptDeadline != 0)
                {
                    channel.Server.ReportFailure();
                    slot.AttemptDeadline = 0;
                }
            }
        }

        ScanGuarded();
    }

    public void Dispose()
    {
        var timer = Interlocked.Exchange(ref _timer, null);
        if (timer is null)
        {
            return;
        }

        timer.Dispose();
        foreach (var server in _servers)
        {
            server.Dispose();
        }
    }
}
