using Appliance.Core.Lists;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Appliance.Benchmarks;

/// <summary>
/// Issue 3's list targets: lookups allocate nothing; 1M names compile from text in ≤ 2 s and a compiled 1M set
/// loads in ≤ 100 ms; memory per name. Names are synthetic but shaped like real ones (two to four labels).
/// </summary>
[MemoryDiagnoser]
public class DomainSetBenchmarks
{
    private const int Names = 1_000_000;
    private string _dir = null!;
    private string _text = null!;
    private string _compiled = null!;
    private DomainSet _set = null!;
    private byte[] _hit = null!;
    private byte[] _deepHit = null!;
    private byte[] _miss = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("dset-bench-").FullName;
        _text = Path.Combine(_dir, "gambling.txt");
        using (var writer = File.CreateText(_text))
        {
            writer.WriteLine("# synthetic list, one name a line");
            for (var i = 0; i < Names; i++)
            {
                writer.WriteLine(i % 3 == 0 ? $"site{i}.example" : i % 3 == 1 ? $"www.site{i}.example.org" : $"cdn.a{i}.shop.example.net");
            }
        }

        _set = ListSources.Compile([new ListSources.Source(_text, null)]).Blocks;
        _compiled = Path.Combine(_dir, "gambling.dset");
        DomainSetFile.Write(_set, _compiled);
        _hit = Wire("site300.example");
        _deepHit = Wire("a.b.c.www.site301.example.org");
        _miss = Wire("www.not-listed-anywhere.example.com");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _set.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static byte[] Wire(string name)
    {
        var buffer = new byte[256];
        Appliance.Protocols.Dns.DnsName.TryEncode(name, buffer, out var length);
        return buffer[..length];
    }

    [Benchmark]
    public ulong LookupHit() => _set.Match(_hit);

    [Benchmark]
    public ulong LookupDeepHit() => _set.Match(_deepHit);

    [Benchmark]
    public ulong LookupMiss() => _set.Match(_miss);

    /// <summary>Compile and load are one-off operations: measured cold, a few times each.</summary>
    [SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 1, iterationCount: 5)]
    [MemoryDiagnoser]
    public class Build
    {
        private readonly DomainSetBenchmarks _data = new();

        [GlobalSetup]
        public void Setup() => _data.Setup();

        [GlobalCleanup]
        public void Cleanup() => _data.Cleanup();

        [Benchmark]
        public int Compile1MFromText()
        {
            using var set = ListSources.Compile([new ListSources.Source(_data._text, null)]).Blocks;
            return set.Count;
        }

        [Benchmark]
        public int Load1MCompiled()
        {
            using var set = DomainSetFile.Load(_data._compiled);
            return set.Count;
        }
    }
}
