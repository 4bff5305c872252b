using Appliance.PacketFilter.Packets;
using Appliance.PacketFilter.Queue;

namespace Appliance.PacketFilter.Flows;

/// <summary>Where a flow is in its inspection.</summary>
internal enum FlowPhase : byte
{
    /// <summary>Collecting the client's first bytes until a name shows.</summary>
    Collecting = 0,

    /// <summary>Judged: packets still queued from before the connection mark was saved get the same verdict.</summary>
    Decided = 1,
}

/// <summary>One flow's state: kept small, as a school box may hold thousands at once.</summary>
internal struct Flow
{
    public FlowKey Key;
    public long LastSeen;
    public StreamAssembler Stream;
    public FlowPhase Phase;
    public PacketVerdict Verdict;
    public byte Packets;      // queued packets seen, SYN and pure ACKs included (what the ruleset's connbytes counts)
    public object? Quic;      // the QUIC Initial decoder of a UDP flow we filter
    internal int Newer;       // LRU links (slot indices, -1 for none)
    internal int Older;

    /// <summary>Forgets what was learnt about the flow (not its place in the table): a new connection on the same 5-tuple.</summary>
    public void Restart()
    {
        Release();
        Stream = default;
        Phase = FlowPhase.Collecting;
        Verdict = default;
        Packets = 0;
    }

    /// <summary>Gives back what only an undecided flow needs: the stream buffer, the QUIC decoder.</summary>
    public void Release()
    {
        Stream.Release();
        (Quic as IDisposable)?.Dispose();
        Quic = null;
    }
}

/// <summary>
/// A bounded table of the flows being inspected (5-tuple → state), with an idle timeout and least-recently-used
/// eviction when full: a flood of half-open connections costs us the oldest entries, never memory. Slots are
/// preallocated and reused; the index is a dictionary sized once. Used by one queue worker thread only.
/// </summary>
internal sealed class FlowTable
{
    private readonly Flow[] _flows;
    private readonly Dictionary<FlowKey, int> _index;
    private readonly Stack<int> _free;
    private readonly long _idleTicks;
    private int _newest = -1;
    private int _oldest = -1;

    public FlowTable(int capacity, TimeSpan idle, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 16);
        _flows = new Flow[capacity];
        _index = new Dictionary<FlowKey, int>(capacity);
        _free = new Stack<int>(capacity);
        for (var i = capacity - 1; i >= 0; i--)
        {
            _free.Push(i);
        }

        _idleTicks = (long)(idle.TotalSeconds * time.TimestampFrequency);
    }

    public int Count => _index.Count;

    public int Capacity => _flows.Length;

    /// <summary>Flows dropped to make room (a sign of a flood, or of a table too small for the school).</summary>
    public long Evicted { get; private set; }

    /// <summary>Flows dropped after being idle.</summary>
    public long Expired { get; private set; }

    /// <summary>The flow's state, created if new (or if the old one had gone idle); the ref is valid until the next call.</summary>
    public ref Flow GetOrAdd(in FlowKey key, long now, out bool created)
    {
        if (_index.TryGetValue(key, out var slot))
        {
            ref var flow = ref _flows[slot];
            if (now - flow.LastSeen <= _idleTicks)
            {
                created = false;
                flow.LastSeen = now;
                Touch(slot);
                return ref flow;
            }

            Remove(slot);
            Expired++;
        }

        ExpireOldest(now);
        if (_free.Count == 0)
        {
            Remove(_oldest);
            Evicted++;
        }

        slot = _free.Pop();
        _flows[slot] = new Flow { Key = key, LastSeen = now, Newer = -1, Older = -1 };
        _index.Add(key, slot);
        Link(slot);
        created = true;
        return ref _flows[slot];
    }

    public void Remove(in FlowKey key)
    {
        if (_index.TryGetValue(key, out var slot))
        {
            Remove(slot);
        }
    }

    /// <summary>Forgets every flow, giving back their buffers and decoders.</summary>
    public void Clear()
    {
        while (_oldest >= 0)
        {
            Remove(_oldest);
        }
    }

    // A couple of idle flows from the old end per new flow keeps the table clean without a timer.
    private void ExpireOldest(long now)
    {
        for (var i = 0; i < 2 && _oldest >= 0 && now - _flows[_oldest].LastSeen > _idleTicks; i++)
        {
            Remove(_oldest);
            Expired++;
        }
    }

    private void Remove(int slot)
    {
        ref var flow = ref _flows[slot];
        flow.Release();
        _index.Remove(flow.Key);
        Unlink(slot);
        flow = default;
        _free.Push(slot);
    }

    private void Touch(int slot)
    {
        if (slot != _newest)
        {
            Unlink(slot);
            Link(slot);
        }
    }

    private void Link(int slot)
    {
        _flows[slot].Older = _newest;
        _flows[slot].Newer = -1;
        if (_newest >= 0)
        {
            _flows[_newest].Newer = slot;
        }

        _newest = slot;
        if (_oldest < 0)
        {
            _oldest = slot;
        }
    }

    private void Unlink(int slot)
    {
        ref var flow = ref _flows[slot];
        if (flow.Newer >= 0)
        {
            _flows[flow.Newer].Older = flow.Older;
        }
        else
        {
            _newest = flow.Older;
        }

        if (flow.Older >= 0)
        {
            _flows[flow.Older].Newer = flow.Newer;
        }
        else
        {
            _oldest = flow.Newer;
        }
    }
}
