using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Appliance.Benchmarks.DnsHotPathBenchmarks).Assembly).Run(args);
