using Appliance.Core.Lists;
using Appliance.Core.Net;
using Appliance.Dns.Upstream;
using Appliance.Protocols.Dns;

namespace Appliance.Dns.Cache;

/// <summary>
/// <see cref="INameWarmer"/> over the resolver's cache and forwarder: looks each name's A and AAAA up in the cache
/// and hands the missing, expired and nearly expired ones to <see cref="Forwarder.Warm"/>, which keeps three
/// quarters of its slots for clients, so warming never starves them. The keys are those of a plain stub query
/// (DO and CD clear), which is what browsers and operating systems send.
/// </summary>
public sealed class NameWarmer : INameWarmer
{
    private static readonly ushort[] Types = [DnsType.A, DnsType.Aaaa];

    private readonly DnsCache _cache;
    private readonly Forwarder _forwarder;
    private readonly TimeProvider _time;

    public NameWarmer(DnsCache cache, Forwarder forwarder, TimeProvider time)
    {
        _cache = cache;
        _forwarder = forwarder;
        _time = time;
    }

    /// <inheritdoc/>
    public int KeepWarm(IReadOnlyCollection<string> hostNames)
    {
        ArgumentNullException.ThrowIfNull(hostNames);
        Span<char> text = stackalloc char[DnsLimits.MaxNameLength];
        Span<byte> wire = stackalloc byte[DnsLimits.MaxNameLength];
        Span<byte> key = stackalloc byte[CacheKey.MaxLength];
        var launched = 0;
        foreach (var host in hostNames)
        {
            if (!TryWireName(host, text, wire, out var nameLength))
            {
                continue;
            }

            foreach (var type in Types)
            {
                var length = CacheKey.Write(key, wire[..nameLength], type, DnsClass.IN, dnssecOk: false, checkingDisabled: false);
                var hash = CacheKey.Hash(key[..length]);
                var now = _time.GetTimestamp();
                if (NeedsLookup(key[..length], hash, now) && _forwarder.Warm(key[..length], hash, now))
                {
                    launched++;
                }
            }
        }

        return launched;
    }

    // The lesson hosts' syntax ("=exact.example", "*.example") and the list parser's checks (no URLs, IP addresses or
    // local names), then the lower-cased wire form the cache keys use (RFC 4343).
    private static bool TryWireName(string? host, Span<char> text, Span<byte> wire, out int length)
    {
        length = 0;
        var token = (host ?? "").AsSpan().Trim();
        if (token.StartsWith('='))
        {
            token = token[1..];
        }

        return ListParser.Normalize(token, text, out var textLength, out _) is null && DnsName.TryEncode(text[..textLength], wire, out length);
    }

    private bool NeedsLookup(ReadOnlySpan<byte> key, int hash, long now)
    {
        if (_cache.TryGet(key, hash, now, out var entry) != CacheLookup.Fresh)
        {
            return true;   // missing, or expired (kept only to serve stale)
        }

        var ttl = entry!.TtlSeconds * _time.TimestampFrequency;
        var left = entry.StoredAt + ttl - now;
        return left * 4 < ttl;
    }
}
