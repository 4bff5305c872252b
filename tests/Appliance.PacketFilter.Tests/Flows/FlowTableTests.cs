using System.Net;
using Appliance.Core.Net;
using Appliance.PacketFilter.Flows;
using Appliance.PacketFilter.Packets;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.PacketFilter.Tests.Flows;

public sealed class FlowTableTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_full_table_drops_the_least_recently_seen_flow()
    {
        var table = new FlowTable(16, TimeSpan.FromSeconds(30), _time);
        for (var i = 0; i < 16; i++)
        {
            table.GetOrAdd(Key(i), _time.GetTimestamp(), out _);
        }

        table.GetOrAdd(Key(0), _time.GetTimestamp(), out var created);   // flow 0 is used again: flow 1 is now the oldest
        Assert.False(created);
        table.GetOrAdd(Key(100), _time.GetTimestamp(), out _);

        Assert.Equal(16, table.Count);
        Assert.Equal(1, table.Evicted);
        table.GetOrAdd(Key(0), _time.GetTimestamp(), out created);
        Assert.False(created);
        table.GetOrAdd(Key(1), _time.GetTimestamp(), out created);
        Assert.True(created);
    }

    [Fact]
    public void An_idle_flow_is_forgotten_and_starts_again()
    {
        var table = new FlowTable(16, TimeSpan.FromSeconds(30), _time);
        ref var flow = ref table.GetOrAdd(Key(1), _time.GetTimestamp(), out _);
        flow.Phase = FlowPhase.Decided;

        _time.Advance(TimeSpan.FromSeconds(31));
        ref var again = ref table.GetOrAdd(Key(1), _time.GetTimestamp(), out var created);

        Assert.True(created);
        Assert.Equal(FlowPhase.Collecting, again.Phase);
        Assert.Equal(1, table.Expired);
    }

    [Fact]
    public void Idle_flows_at_the_old_end_are_cleared_as_new_ones_arrive()
    {
        var table = new FlowTable(16, TimeSpan.FromSeconds(30), _time);
        table.GetOrAdd(Key(1), _time.GetTimestamp(), out _);
        table.GetOrAdd(Key(2), _time.GetTimestamp(), out _);
        _time.Advance(TimeSpan.FromMinutes(1));
        table.GetOrAdd(Key(3), _time.GetTimestamp(), out _);

        Assert.Equal(1, table.Count);
        Assert.Equal(2, table.Expired);
    }

    private static FlowKey Key(int i) => new(
        ClientAddress.FromBytes(IPAddress.Parse($"192.0.2.{i % 250}").GetAddressBytes(), (ushort)(40000 + i)),
        ClientAddress.FromBytes(IPAddress.Parse("203.0.113.1").GetAddressBytes(), 443),
        TransportPacket.Tcp);
}
