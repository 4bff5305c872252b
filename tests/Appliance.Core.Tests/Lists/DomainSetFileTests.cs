using Appliance.Core.Lists;

namespace Appliance.Core.Tests.Lists;

public sealed class DomainSetFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dset-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DomainSet Build(int n)
    {
        var builder = new DomainSetBuilder();
        for (var i = 0; i < n; i++)
        {
            builder.Add($"n{i}.example", 1UL << (i % 5), exactOnly: i % 7 == 0);
        }

        return builder.Build();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(50_000)]
    public void WriteThenLoad_SameEntriesAndLookups(int n)
    {
        using var built = Build(n);
        var path = Path.Combine(_dir, "list.dset");

        DomainSetFile.Write(built, path);
        using var loaded = DomainSetFile.Load(path);

        Assert.Equal(built.Count, loaded.Count);
        Assert.Equal(built.Entries(), loaded.Entries());
        for (var i = 0; i < n; i += 101)
        {
            Assert.Equal(built.MatchText($"n{i}.example"), loaded.MatchText($"n{i}.example"));
            Assert.Equal(built.MatchText($"www.n{i}.example"), loaded.MatchText($"www.n{i}.example"));
        }
    }

    [Fact]
    public void Write_OverAnExistingFile_ReplacesItWhole()
    {
        var path = Path.Combine(_dir, "list.dset");
        using (var first = Build(10))
        {
            DomainSetFile.Write(first, path);
        }

        using (var second = Build(20))
        {
            DomainSetFile.Write(second, path);
        }

        using var loaded = DomainSetFile.Load(path);
        Assert.Equal(20, loaded.Count);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    public static TheoryData<string, string> Corruptions => new()
    {
        { "truncate", "cut short" },
        { "flip", "checksum mismatch" },
        { "magic", "wrong magic" },
        { "text", "wrong magic" },
        { "tiny", "shorter than the header" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Load_DamagedFile_RefusedWithReason(string damage, string reason)
    {
        var path = Path.Combine(_dir, "list.dset");
        using (var set = Build(1_000))
        {
            DomainSetFile.Write(set, path);
        }

        var bytes = File.ReadAllBytes(path);
        bytes = damage switch
        {
            "truncate" => bytes[..^100],
            "flip" => Flip(bytes, bytes.Length / 2),
            "magic" => Flip(bytes, 0),
            "text" => "<html><body>404 Not Found</body></html>\n"u8.ToArray().Concat(new byte[200]).ToArray(),
            _ => bytes[..10],
        };
        File.WriteAllBytes(path, bytes);

        var ex = Assert.Throws<InvalidDataException>(() => DomainSetFile.Load(path));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        bytes[at] ^= 0xFF;
        return bytes;
    }
}
