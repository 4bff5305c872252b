using Appliance.PacketFilter.Flows;

namespace Appliance.PacketFilter.Tests.Flows;

public sealed class StreamAssemblerTests
{
    private static readonly uint Syn = 0xFFFF_FFF0;   // close to the wrap: sequence arithmetic is modulo 2^32 (RFC 9293 §3.4)
    private static readonly byte[] Message = [.. Enumerable.Range(0, 200).Select(i => (byte)i)];

    [Fact]
    public void Segments_in_order_make_a_contiguous_prefix_across_the_sequence_wrap()
    {
        var stream = Started();
        Assert.Equal(SegmentResult.Stored, stream.Add(Syn + 1, Message.AsSpan(0, 20)));
        Assert.Equal(SegmentResult.Stored, stream.Add(Syn + 21, Message.AsSpan(20)));
        Assert.Equal(Message, stream.Prefix.ToArray());
        stream.Release();
    }

    [Fact]
    public void Out_of_order_segments_fill_the_hole_and_the_prefix_grows_only_then()
    {
        var stream = Started();
        stream.Add(Syn + 101, Message.AsSpan(100));
        Assert.Equal(0, stream.Contiguous);
        stream.Add(Syn + 1, Message.AsSpan(0, 50));
        Assert.Equal(50, stream.Contiguous);
        stream.Add(Syn + 51, Message.AsSpan(50, 50));
        Assert.Equal(Message, stream.Prefix.ToArray());
        stream.Release();
    }

    [Fact]
    public void Overlapping_retransmissions_cannot_rewrite_bytes_already_held()
    {
        var stream = Started();
        stream.Add(Syn + 11, Message.AsSpan(10, 10));
        var forged = Enumerable.Repeat((byte)0xEE, 40).ToArray();
        stream.Add(Syn + 1, forged);   // covers 0..40: only the holes 0..10 and 20..40 take its bytes
        var expected = forged.ToArray();
        Message.AsSpan(10, 10).CopyTo(expected.AsSpan(10));
        Assert.Equal(expected, stream.Prefix.ToArray());
        stream.Release();
    }

    [Fact]
    public void Without_a_SYN_the_first_data_is_the_start_and_earlier_bytes_are_ignored()
    {
        var stream = default(StreamAssembler);
        stream.Add(5000, Message.AsSpan(10, 10));
        Assert.Equal(SegmentResult.Stored, stream.Add(4990, Message.AsSpan(0, 10)));
        Assert.Equal(Message.AsSpan(10, 10).ToArray(), stream.Prefix.ToArray());
        stream.Release();
    }

    [Fact]
    public void A_stream_past_16_KiB_is_too_long()
    {
        var stream = Started();
        Assert.Equal(SegmentResult.TooLong, stream.Add(Syn + 1 + StreamAssembler.Capacity - 10, Message.AsSpan(0, 11)));
        Assert.Equal(SegmentResult.Stored, stream.Add(Syn + 1 + StreamAssembler.Capacity - 10, Message.AsSpan(0, 10)));
        stream.Release();
    }

    [Fact]
    public void More_holes_than_eight_is_an_evasion_not_a_browser()
    {
        var stream = Started();
        for (uint i = 0; i < 8; i++)
        {
            Assert.Equal(SegmentResult.Stored, stream.Add(Syn + 1 + 1 + (i * 10), Message.AsSpan(0, 1)));
        }

        Assert.Equal(SegmentResult.TooFragmented, stream.Add(Syn + 1 + 1 + 80, Message.AsSpan(0, 1)));
        stream.Release();
    }

    [Fact]
    public void Segments_in_every_order_reassemble_the_same_bytes()
    {
        var random = new Random(6);
        for (var round = 0; round < 500; round++)
        {
            var cuts = Enumerable.Range(1, Message.Length - 1).OrderBy(_ => random.Next()).Take(6).Order().ToList();
            var pieces = cuts.Prepend(0).Zip(cuts.Append(Message.Length), (a, b) => (Start: a, End: b)).OrderBy(_ => random.Next()).ToList();
            var stream = Started();
            foreach (var (start, end) in pieces)
            {
                Assert.Equal(SegmentResult.Stored, stream.Add(Syn + 1 + (uint)start, Message.AsSpan(start, end - start)));
            }

            Assert.Equal(Message, stream.Prefix.ToArray());
            stream.Release();
        }
    }

    private static StreamAssembler Started()
    {
        var stream = default(StreamAssembler);
        stream.Start(Syn);
        return stream;
    }
}
