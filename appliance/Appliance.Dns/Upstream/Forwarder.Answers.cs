using System.Buffers;
using System.Buffers.Binary;
using Appliance.Dns.Cache;
using Appliance.Protocols;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Upstream;

/// <summary>Taking answers back: matching (anti-spoofing), TC fallback, failures.</summary>
public sealed partial class Forwarder
{
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
        CacheEntry? entry;
        bool cacheable;
        ParseStatus built;
        if (CacheKey.TypeOf(key) is DnsType.Https or DnsType.Svcb)
        {
            // Strip ECH before the answer is cached or sent: the cache then holds only what clients may see.
            var rewritten = ArrayPool<byte>.Shared.Rent(DnsLimits.MaxMessageLength);
            var length = EchStripper.Strip(message, rewritten);
            if (length > 0)
            {
                Interlocked.Increment(ref _counters.EchStripped);
            }

            built = CacheEntryBuilder.TryBuild(length > 0 ? rewritten.AsSpan(0, length) : message, header, questionEnd, key, slot.Hash, _options.Cache, now,
                out entry, out cacheable);
            ArrayPool<byte>.Shared.Return(rewritten);
        }
        else
        {
            built = CacheEntryBuilder.TryBuild(message, header, questionEnd, key, slot.Hash, _options.Cache, now, out entry, out cacheable);
        }

        if (built != ParseStatus.Ok)
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
}
