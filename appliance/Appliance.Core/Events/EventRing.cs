namespace Appliance.Core.Events;

/// <summary>
/// A bounded multi-producer, single-consumer ring of structs (after Dmitry Vyukov's bounded MPMC queue):
/// every slot is allocated once at start-up, producers claim a slot with one CAS, and a full ring drops the
/// new event and counts it rather than ever blocking or growing. The hot path writes; a background consumer
/// drains in batches.
/// </summary>
public sealed class EventRing<T>
    where T : struct
{
    private readonly Slot[] _slots;
    private readonly int _mask;
    private long _enqueuePosition;
    private long _dequeuePosition;
    private long _dropped;

    public EventRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _slots = new Slot[size];
        for (var i = 0; i < size; i++)
        {
            _slots[i].Sequence = i;
        }

        _mask = size - 1;
    }

    public int Capacity => _slots.Length;

    /// <summary>Events refused because the ring was full: the consumer fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events written so far (including dropped ones' attempts not counted).</summary>
    public long Written => Interlocked.Read(ref _enqueuePosition);

    public bool TryWrite(in T item)
    {
        var position = Volatile.Read(ref _enqueuePosition);
        while (true)
        {
            ref var slot = ref _slots[position & _mask];
            var sequence = Volatile.Read(ref slot.Sequence);
            var diff = sequence - position;
            if (diff == 0)
            {
                if (Interlocked.CompareExchange(ref _enqueuePosition, position + 1, position) == position)
                {
                    slot.Item = item;
                    Volatile.Write(ref slot.Sequence, position + 1);
                    return true;
                }

                position = Volatile.Read(ref _enqueuePosition);
            }
            else if (diff < 0)
            {
                Interlocked.Increment(ref _dropped);
                return false;
            }
            else
            {
                position = Volatile.Read(ref _enqueuePosition);
            }
        }
    }

    /// <summary>Takes the oldest event; only one thread may call this.</summary>
    public bool TryRead(out T item)
    {
        var position = _dequeuePosition;
        ref var slot = ref _slots[position & _mask];
        if (Volatile.Read(ref slot.Sequence) != position + 1)
        {
            item = default;
            return false;
        }

        item = slot.Item;
        slot.Item = default;
        Volatile.Write(ref slot.Sequence, position + _slots.Length);
        _dequeuePosition = position + 1;
        return true;
    }

    private struct Slot
    {
        public long Sequence;
        public T Item;
    }
}
