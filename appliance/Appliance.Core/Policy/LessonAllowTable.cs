using System.Collections.Frozen;
using Appliance.Core.Lists;
using Appliance.Core.Net;

namespace Appliance.Core.Policy;

/// <summary>
/// The lesson windows compiled for the hot path: immutable, built off the hot path by <see cref="Build"/> and
/// swapped into the <see cref="PolicyEngine"/> with one reference write (independently of the policy snapshot, so a
/// lesson starting or being edited needs no policy version).
/// <para>
/// Windows are sorted by start and cut into chunks of 64; each window is a slot (a bit) in its chunk. A chunk holds
/// one <see cref="DomainSet"/> of all its hosts whose mask is the slots allowing the host, a map group name → slots,
/// a <see cref="SubnetMap"/> whose values are slots, and the slots' times. A query costs, per chunk whose time span
/// holds now, one hash lookup; the group, room and times are looked at only when a host matched. Chunks whose span
/// does not hold now (yesterday's, next week's) cost two comparisons, so a term's timetable costs little more than
/// today's lessons. Nothing is allocated.
/// </para>
/// </summary>
public sealed class LessonAllowTable
{
    private const int SlotsPerChunk = 64;

    private readonly Chunk[] _chunks;

    private LessonAllowTable(Chunk[] chunks, int count)
    {
        _chunks = chunks;
        Count = count;
    }

    /// <summary>No lesson windows: allows nothing.</summary>
    public static LessonAllowTable Empty { get; } = new([], 0);

    /// <summary>How many windows the table holds.</summary>
    public int Count { get; }

    /// <summary>Compiles windows (any number) into a table.</summary>
    /// <exception cref="FormatException">
    /// A window has no lesson id, neither group nor subnet, an end not after its start, a host that is not a host name,
    /// or a subnet that is not a CIDR block; the message names the lesson and the bad value.
    /// </exception>
    public static LessonAllowTable Build(IEnumerable<LessonWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var sorted = windows.Select(w => w ?? throw new FormatException("a lesson window is null")).OrderBy(w => w.Start).ToArray();
        var chunks = new Chunk[(sorted.Length + SlotsPerChunk - 1) / SlotsPerChunk];
        for (var c = 0; c < chunks.Length; c++)
        {
            var start = c * SlotsPerChunk;
            chunks[c] = Chunk.Build(sorted.AsSpan(start, Math.Min(SlotsPerChunk, sorted.Length - start)));
        }

        return new LessonAllowTable(chunks, sorted.Length);
    }

    /// <summary>
    /// Whether an open window allows the name (its suffix hashes) to a client of group <paramref name="groupName"/> at
    /// address <paramref name="client"/>. Allocation-free and lock-free.
    /// </summary>
    public bool Allows(in NameSuffixes name, string groupName, in ClientAddress client, DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        foreach (var chunk in _chunks)
        {
            if (ticks >= chunk.FirstStart && ticks < chunk.LastEnd && chunk.Allows(name, groupName, client, ticks))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Up to 64 windows; slot i is bit i of every mask.</summary>
    private sealed class Chunk
    {
        private readonly DomainSet _hosts;
        private readonly FrozenDictionary<string, ulong> _byGroup;
        private readonly ulong _anyGroup;
        private readonly SubnetMap _subnets;
        private readonly ulong _anySubnet;
        private readonly long[] _starts;
        private readonly long[] _ends;

        private Chunk(DomainSet hosts, FrozenDictionary<string, ulong> byGroup, ulong anyGroup, SubnetMap subnets, ulong anySubnet,
            long[] starts, long[] ends)
        {
            _hosts = hosts;
            _byGroup = byGroup;
            _anyGroup = anyGroup;
            _subnets = subnets;
            _anySubnet = anySubnet;
            _starts = starts;
            _ends = ends;
            FirstStart = starts.Min();
            LastEnd = ends.Max();
        }

        /// <summary>The earliest start of the chunk's windows, in UTC ticks.</summary>
        public long FirstStart { get; }

        /// <summary>The latest end of the chunk's windows, in UTC ticks.</summary>
        public long LastEnd { get; }

        public static Chunk Build(ReadOnlySpan<LessonWindow> windows)
        {
            var hosts = new DomainSetBuilder(capacity: 64);
            var byGroup = new Dictionary<string, ulong>(StringComparer.OrdinalIgnoreCase);
            var subnets = new List<(string Cidr, int Value)>();
            ulong anyGroup = 0;
            ulong anySubnet = 0;
            var starts = new long[windows.Length];
            var ends = new long[windows.Length];
            var errors = new List<string>();
            for (var slot = 0; slot < windows.Length; slot++)
            {
                var w = windows[slot];
                var bit = 1UL << slot;
                Validate(w);
                PolicyCompiler.AddEntries(hosts, w.Hosts ?? [], bit, $"lesson '{w.LessonId}': host", errors);
                if (errors.Count > 0)
                {
                    throw new FormatException(errors[0]);
                }

                if (string.IsNullOrWhiteSpace(w.Group))
                {
                    anyGroup |= bit;
                }
                else
                {
                    byGroup[w.Group.Trim()] = byGroup.GetValueOrDefault(w.Group.Trim()) | bit;
                }

                if (string.IsNullOrWhiteSpace(w.Subnet))
                {
                    anySubnet |= bit;
                }
                else if (!SubnetMap.TryParse(w.Subnet.Trim(), out _, out var error))
                {
                    throw new FormatException($"lesson '{w.LessonId}': subnet '{w.Subnet}': {error}");
                }
                else
                {
                    subnets.Add((w.Subnet.Trim(), slot));
                }

                starts[slot] = w.Start.UtcTicks;
                ends[slot] = w.End.UtcTicks;
            }

            return new Chunk(hosts.Build(), byGroup.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), anyGroup,
                SubnetMap.Build(subnets), anySubnet, starts, ends);
        }

        private static void Validate(LessonWindow w)
        {
            if (string.IsNullOrWhiteSpace(w.LessonId))
            {
                throw new FormatException("a lesson window has no lesson id");
            }

            if (string.IsNullOrWhiteSpace(w.Group) && string.IsNullOrWhiteSpace(w.Subnet))
            {
                throw new FormatException($"lesson '{w.LessonId}': a window needs a group or a subnet (a room), or both");
            }

            if (w.End <= w.Start)
            {
                throw new FormatException($"lesson '{w.LessonId}': the window's end ({w.End:u}) is not after its start ({w.Start:u})");
            }
        }

        public bool Allows(in NameSuffixes name, string groupName, in ClientAddress client, long ticks)
        {
            var slots = _hosts.Match(name);
            if (slots == 0)
            {
                return false;   // the common case: not a lesson host at all
            }

            slots &= _anyGroup | (_byGroup.TryGetValue(groupName, out var group) ? group : 0);
            if (slots == 0)
            {
                return false;
            }

            slots &= _anySubnet | (_subnets.Count == 0 ? 0 : _subnets.MatchAll(client));
            while (slots != 0)
            {
                var slot = System.Numerics.BitOperations.TrailingZeroCount(slots);
                if (_starts[slot] <= ticks && ticks < _ends[slot])
                {
                    return true;
                }

                slots &= slots - 1;
            }

            return false;
        }
    }
}
