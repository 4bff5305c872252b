using System.Net.Sockets;
using Appliance.Core.Net;

namespace Appliance.Dns.RateLimit;

/// <summary>The limiter's answer for one query.</summary>
public enum RateDecision : byte
{
    Allow,

    /// <summary>Over the limit.</summary>
    Limit,

    /// <summary>Over the limit, and this client has not been reported in the last minute: log it now.</summary>
    LimitAndReport,
}

/// <summary>
/// Token buckets per client (an IPv4 address or an IPv6 /64) in a fixed open-addressing table: memory is set
/// at start-up whatever the number of clients (a spoofed-source flood can only recycle slots, never grow the
/// table). Striped locks keep buckets consistent across the UDP and TCP loops. Allocation-free.
/// </summary>
public sealed class ClientRateLimiter
{
    private const int Probe = 8;
    private const int Stripes = 64;
    private readonly Bucket[] _table;
    private readonly object[] _locks;
    private readonly TimeProvider _time;
    private readonly double _perTick;
    private readonly double _burst;
    private readonly long _reportInterval;

    public ClientRateLimiter(RateLimitOptions options, TimeProvider time, int tableSize = 16_384)
    {
        _time = time;
        Enabled = options.QueriesPerSecond > 0;
        _perTick = options.QueriesPerSecond / (double)time.TimestampFrequency;
        _burst = Math.Max(1, options.Burst);
        _reportInterval = time.TimestampFrequency * 60;
        _table = new Bucket[System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(tableSize, Stripes * Probe))];
        _locks = new object[Stripes];
        for (var i = 0; i < Stripes; i++)
        {
            _locks[i] = new object();
        }
    }

    public bool Enabled { get; }

    public RateDecision Check(in ClientAddress client, long now)
    {
        if (!Enabled)
        {
            return RateDecision.Allow;
        }

        var key = client.RateKey;
        var family = (byte)(client.Family == AddressFamily.InterNetworkV6 ? 6 : 4);
        // The table is cut into one segment per lock; a client hashes to a segment and probes only inside it,
        // so one lock guards every slot the client can touch.
        var mixed = Mix(key, family);
        var stripe = (int)(mixed & (Stripes - 1));
        var segment = _table.Length / Stripes;
        var start = (int)((mixed >> 6) & (uint)(segment - 1));
        var baseIndex = stripe * segment;
        lock (_locks[stripe])
        {
            var victim = baseIndex + start;
            for (var i = 0; i < Probe; i++)
            {
                var index = baseIndex + ((start + i) & (segment - 1));
                ref var slot = ref _table[index];
                if (slot.Family == family && slot.Key == key)
                {
                    return Take(ref slot, now);
                }

                if (slot.Family == 0)
                {
                    victim = index;
                    break;
                }

                if (slot.LastSeen < _table[victim].LastSeen)
                {
                    victim = index;
                }
            }

            // Unknown client and no free slot nearby: recycle the least recently seen one.
            ref var fresh = ref _table[victim];
            fresh = new Bucket { Key = key, Family = family, Tokens = _burst, LastSeen = now, LastReported = long.MinValue / 2 };
            return Take(ref fresh, now);
        }
    }

    private RateDecision Take(ref Bucket slot, long now)
    {
        slot.Tokens = Math.Min(_burst, slot.Tokens + ((now - slot.LastSeen) * _perTick));
        slot.LastSeen = now;
        if (slot.Tokens >= 1)
        {
            slot.Tokens -= 1;
            return RateDecision.Allow;
        }

        if (now - slot.LastReported >= _reportInterval)
        {
            slot.LastReported = now;
            return RateDecision.LimitAndReport;
        }

        return RateDecision.Limit;
    }

    private static uint Mix(ulong key, byte family)
    {
        key ^= family;
        key *= 0x9E3779B97F4A7C15UL;
        return (uint)(key >> 32);
    }

    private struct Bucket
    {
        public ulong Key;
        public byte Family;
        public double Tokens;
        public long LastSeen;
        public long LastReported;
    }
}
