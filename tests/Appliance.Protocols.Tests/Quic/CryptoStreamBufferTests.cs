using Appliance.Protocols.Quic;

namespace Appliance.Protocols.Tests.Quic;

public class CryptoStreamBufferTests
{
    [Fact]
    public void TryWrite_PiecesInAnyOrder_MergeIntoOnePrefix()
    {
        using var buffer = new CryptoStreamBuffer();

        Assert.True(buffer.TryWrite(6, [6, 7]));
        Assert.True(buffer.TryWrite(2, [2, 3]));
        Assert.True(buffer.Contiguous.IsEmpty);
        Assert.True(buffer.TryWrite(0, [0, 1]));
        Assert.Equal([0, 1, 2, 3], buffer.Contiguous.ToArray());
        Assert.True(buffer.TryWrite(3, [99, 4, 5, 99]));   // overlaps both neighbours and fills the gap between them

        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], buffer.Contiguous.ToArray());
    }

    [Fact]
    public void TryWrite_RandomOverlappingPieces_MatchAFirstWinsModel()
    {
        // A plain model: one flag per byte, set by the first write that reaches it.
        var random = new Random(0x0C01);
        for (var round = 0; round < 500; round++)
        {
            using var buffer = new CryptoStreamBuffer();
            var size = random.Next(1, 400);
            var model = new byte[size];
            var filled = new bool[size];
            for (var write = 0; write < 60; write++)
            {
                var offset = random.Next(size);
                var data = new byte[random.Next(0, size - offset + 1)];
                random.NextBytes(data);
                if (!buffer.TryWrite((ulong)offset, data))
                {
                    break;   // the range list is full; that is the Malformed path, checked elsewhere
                }

                for (var i = 0; i < data.Length; i++)
                {
                    if (!filled[offset + i])
                    {
                        filled[offset + i] = true;
                        model[offset + i] = data[i];
                    }
                }

                var prefix = Array.IndexOf(filled, false) is var gap and >= 0 ? gap : size;
                Assert.Equal(model[..prefix], buffer.Contiguous.ToArray());
            }
        }
    }

    [Fact]
    public void TryWrite_PastCapacity_IsRefused()
    {
        using var buffer = new CryptoStreamBuffer();

        Assert.True(buffer.TryWrite(CryptoStreamBuffer.Capacity - 1, [1]));
        Assert.False(buffer.TryWrite(CryptoStreamBuffer.Capacity, [1]));
        Assert.False(buffer.TryWrite(CryptoStreamBuffer.Capacity - 1, [1, 2]));
        Assert.False(buffer.TryWrite(ulong.MaxValue, [1]));
        Assert.False(buffer.TryWrite(0, new byte[CryptoStreamBuffer.Capacity + 1]));
    }

    [Fact]
    public void TryWrite_OneRangeTooMany_IsRefused()
    {
        using var buffer = new CryptoStreamBuffer();
        for (var i = 0; i < CryptoStreamBuffer.MaxRanges; i++)
        {
            Assert.True(buffer.TryWrite((ulong)(2 * i) + 1, [1]));
        }

        Assert.False(buffer.TryWrite(1000, [1]));
        Assert.True(buffer.TryWrite(0, [0, 0, 0]));   // merging with existing ranges still works when the list is full
        Assert.Equal(4, buffer.Contiguous.Length);
    }
}
