using System.Buffers.Binary;
using System.Diagnostics;
using Appliance.Protocols.Dns;

namespace Appliance.Protocols.Tests.Dns;

/// <summary>
/// Mutates the valid vectors the way a hostile or broken peer would and walks every result through the reader.
/// The seed is fixed: a failure names the iteration and the input, and the same run reproduces it.
/// </summary>
public class DnsMessageReaderFuzzTests
{
    private const int Seed = 20_240_101;
    private const int Iterations = 250_000;
    private const int MaxLength = 512;

    [Fact]
    public void Walk_MutatedVectors_NeverThrowsAndReportsOffsetsInsideTheMessage()
    {
        var random = new Random(Seed);
        var vectors = DnsVectors.All.Values.ToArray();
        var scratch = new byte[MaxLength];
        var outcomes = new Dictionary<(ParseStatus, WalkStep), int>();
        var stopwatch = Stopwatch.StartNew();

        for (var i = 0; i < Iterations; i++)
        {
            var vector = vectors[random.Next(vectors.Length)];
            vector.CopyTo(scratch, 0);
            var length = vector.Length;
            var mutations = random.Next(1, 5);
            for (var m = 0; m < mutations; m++)
            {
                length = Mutate(random, scratch, length);
            }

            // An exact-length copy, so that a read past the end throws instead of finding stale scratch bytes.
            var message = scratch[..length];
            WalkResult walk;
            try
            {
                walk = DnsMessageWalk.Run(message);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException(
                    $"seed {Seed}, iteration {i}, input {Convert.ToHexString(message)}:{Environment.NewLine}{e}");
            }

            Increment(outcomes, (walk.Status, walk.Step));
        }

        stopwatch.Stop();

        // The mutator must reach every part of the reader, not just the header check; and most of all it must
        // both break messages and leave some intact, or the run proves little.
        Assert.All(
            new[] { WalkStep.Header, WalkStep.Question, WalkStep.Record, WalkStep.Done },
            step => Assert.Contains(outcomes.Keys, k => k.Item2 == step));
        Assert.Contains((ParseStatus.Malformed, WalkStep.Edns), outcomes.Keys);
        Assert.True(outcomes[(ParseStatus.Ok, WalkStep.Done)] > Iterations / 20, Describe(outcomes));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"{Iterations} iterations took {stopwatch.Elapsed}");
    }

    [Fact]
    public void Walk_RandomBytesAfterValidHeader_NeverThrows()
    {
        var random = new Random(Seed + 1);
        var header = new byte[DnsLimits.HeaderLength];
        for (var i = 0; i < 20_000; i++)
        {
            var message = new byte[DnsLimits.HeaderLength + random.Next(0, 128)];
            random.NextBytes(message);
            new DnsHeader((ushort)i, 0, (ushort)random.Next(0, 3), (ushort)random.Next(0, 3), (ushort)random.Next(0, 3), (ushort)random.Next(0, 3))
                .TryWrite(header);
            header.CopyTo(message, 0);

            var walk = DnsMessageWalk.Run(message);

            Assert.True(walk.Position <= message.Length);
        }
    }

    /// <summary>One mutation of the message in <paramref name="buffer"/>; returns its new length.</summary>
    private static int Mutate(Random random, byte[] buffer, int length)
    {
        switch (random.Next(8))
        {
            case 0:   // flip one bit
                if (length > 0)
                {
                    buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                }

                return length;

            case 1:   // insert a random byte
                if (length < buffer.Length)
                {
                    var at = random.Next(length + 1);
                    Array.Copy(buffer, at, buffer, at + 1, length - at);
                    buffer[at] = (byte)random.Next(256);
                    return length + 1;
                }

                return length;

            case 2:   // delete a byte
                if (length > 0)
                {
                    var at = random.Next(length);
                    Array.Copy(buffer, at + 1, buffer, at, length - at - 1);
                    return length - 1;
                }

                return length;

            case 3:   // a section count set large (a count that promises far more than the message holds)
                if (length >= DnsLimits.HeaderLength)
                {
                    var count = random.Next(3) switch { 0 => ushort.MaxValue, 1 => random.Next(256, 65536), _ => random.Next(0, 8) };
                    BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(4 + (2 * random.Next(4))), (ushort)count);
                }

                return length;

            case 4:   // overwrite a run of bytes with random ones
                if (length > 0)
                {
                    var at = random.Next(length);
                    random.NextBytes(buffer.AsSpan(at, Math.Min(length - at, random.Next(1, 9))));
                }

                return length;

            case 5:   // plant a compression pointer to a random offset
                if (length >= 2)
                {
                    var at = random.Next(length - 1);
                    BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(at), (ushort)(0xC000 | random.Next(length + 16)));
                }

                return length;

            case 6:   // a length field (label, RDLENGTH or option length) nudged up or down
                if (length > 0)
                {
                    buffer[random.Next(length)] += (byte)(random.Next(2) == 0 ? 1 : 255);
                }

                return length;

            default:  // cut the message short
                return random.Next(length + 1);
        }
    }

    private static void Increment(Dictionary<(ParseStatus, WalkStep), int> counts, (ParseStatus, WalkStep) key)
        => counts[key] = counts.GetValueOrDefault(key) + 1;

    private static string Describe(Dictionary<(ParseStatus, WalkStep), int> outcomes)
        => string.Join(", ", outcomes.Select(o => $"{o.Key.Item1}@{o.Key.Item2}: {o.Value}"));
}
