namespace Appliance.Protocols.Tests.Fuzzing;

/// <summary>
/// Damages valid inputs the way a hostile or broken peer would, for the fuzz tests of the TLS, HTTP and QUIC readers.
/// Seeded by the caller, so a failing iteration reproduces. Every result is a fresh array of exactly its length:
/// a reader that reads past the end throws instead of finding stale bytes.
/// </summary>
internal sealed class ByteMutator(Random random, int capacity)
{
    private readonly byte[] _buffer = new byte[capacity];

    public Random Random { get; } = random;

    /// <summary>One to four mutations of <paramref name="input"/>.</summary>
    public byte[] Mutate(ReadOnlySpan<byte> input)
    {
        input.CopyTo(_buffer);
        var length = input.Length;
        for (var m = Random.Next(1, 5); m > 0; m--)
        {
            length = MutateOnce(length);
        }

        return _buffer[..length];
    }

    private int MutateOnce(int length)
    {
        if (length == 0)
        {
            return length;
        }

        var at = Random.Next(length);
        switch (Random.Next(8))
        {
            case 0:   // flip one bit
                _buffer[at] ^= (byte)(1 << Random.Next(8));
                return length;
            case 1:   // nudge a length byte up or down by one
                _buffer[at] += (byte)(Random.Next(2) == 0 ? 1 : 255);
                return length;
            case 2:   // a length byte at its extremes
                _buffer[at] = Random.Next(2) == 0 ? (byte)0x00 : (byte)0xFF;
                return length;
            case 3:   // overwrite a short run with random bytes
                Random.NextBytes(_buffer.AsSpan(at, Math.Min(length - at, Random.Next(1, 9))));
                return length;
            case 4:   // insert a random byte
                if (length == _buffer.Length)
                {
                    return length;
                }

                Array.Copy(_buffer, at, _buffer, at + 1, length - at);
                _buffer[at] = (byte)Random.Next(256);
                return length + 1;
            case 5:   // delete a byte
                Array.Copy(_buffer, at + 1, _buffer, at, length - at - 1);
                return length - 1;
            case 6:   // copy a run over another place (a field repeated where another belongs)
                var from = Random.Next(length);
                var count = Math.Min(Random.Next(1, 33), Math.Min(length - from, length - at));
                Array.Copy(_buffer, from, _buffer, at, count);
                return length;
            default:  // cut short
                return Random.Next(length + 1);
        }
    }
}

/// <summary>A seeded fuzz run: mutates the inputs, hands each result to a reader, and counts the outcomes.</summary>
internal static class FuzzRun
{
    /// <summary>
    /// Runs <paramref name="read"/> (which asserts what must hold for one input and returns the status) on
    /// <paramref name="iterations"/> mutated inputs. A throw, from the reader or an assertion, fails the run with
    /// the seed, iteration and input, so that one case reproduces.
    /// </summary>
    public static Outcomes Run(int seed, int iterations, IReadOnlyList<byte[]> inputs, Func<byte[], ParseStatus> read)
    {
        var mutator = new ByteMutator(new Random(seed), inputs.Max(i => i.Length) + 16);
        var outcomes = new Outcomes(iterations);
        for (var i = 0; i < iterations; i++)
        {
            var input = mutator.Mutate(inputs[mutator.Random.Next(inputs.Count)]);
            try
            {
                outcomes.Add(read(input));
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed}, iteration {i}, input {Convert.ToHexString(input)}:{Environment.NewLine}{e}");
            }
        }

        return outcomes;
    }
}

/// <summary>Outcome counts of a fuzz run, so a run can show it reached every kind of result.</summary>
internal sealed class Outcomes(int iterations)
{
    private readonly Dictionary<ParseStatus, int> _counts = [];

    public void Add(ParseStatus status) => _counts[status] = _counts.GetValueOrDefault(status) + 1;

    /// <summary>
    /// Fails unless <paramref name="status"/> came out of at least <paramref name="fraction"/> of the run: mutations
    /// that never break an input, or never leave one intact, prove little.
    /// </summary>
    public void AssertShare(ParseStatus status, double fraction) =>
        Assert.True(_counts.GetValueOrDefault(status) >= Math.Max(1, iterations * fraction), ToString());

    public override string ToString() => string.Join(", ", _counts.Select(c => $"{c.Key}: {c.Value}"));
}

/// <summary>Where a span returned by a reader lies.</summary>
internal static class SpanPlace
{
    /// <summary>Whether <paramref name="part"/> lies entirely inside <paramref name="whole"/>'s memory.</summary>
    public static bool IsInside(ReadOnlySpan<byte> whole, ReadOnlySpan<byte> part) =>
        whole.Overlaps(part, out var offset) && offset >= 0 && offset + part.Length <= whole.Length;
}
