using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.Host.Configuration;

namespace Appliance.Host.Hosting;

/// <summary>
/// Builds the first policy snapshot from the settings: the --block lists, compiled (text lists) or mapped
/// (compiled ones), merged into one set. Policy from SQLite, groups and refresh are the rest of issue 3.
/// </summary>
public static partial class PolicyLoader
{
    /// <exception cref="ConfigException">A list is HTML, has no category, or is not a valid compiled list.</exception>
    public static PolicySnapshot Build(ApplianceSettings settings, ILogger logger)
    {
        if (settings.Blocks.Count == 0)
        {
            return PolicySnapshot.AllowAll;
        }

        try
        {
            // One compiled list: use it as mapped — no copy, so its pages are shared with the page cache and the
            // process holds only what lookups touch. Several lists are merged into one set in memory (to keep
            // the mapping benefit with several, merge them once with `appliance lists compile`).
            if (settings.Blocks is [{ } only] && IsCompiled(only.Path))
            {
                var mapped = DomainSetFile.Load(only.Path);
                var exceptionsPath = only.Path + ".exceptions";
                var mappedExceptions = File.Exists(exceptionsPath) ? DomainSetFile.Load(exceptionsPath) : DomainSet.Empty;
                Log.Blocking(logger, mapped.Count, 1);
                return new PolicySnapshot(1, mapped, mappedExceptions);
            }

            var text = settings.Blocks.Where(s => !IsCompiled(s.Path)).ToList();
            var compiled = ListSources.Compile(text);
            var blocked = compiled.Blocks;
            var precompiled = settings.Blocks.Where(s => IsCompiled(s.Path)).ToList();
            if (precompiled.Count > 0)
            {
                var builder = new DomainSetBuilder();
                builder.AddAll(blocked);
                foreach (var source in precompiled)
                {
                    using var set = DomainSetFile.Load(source.Path);
                    builder.AddAll(set);
                }

                blocked.Dispose();
                blocked = builder.Build();
            }

            foreach (var report in compiled.Reports)
            {
                Log.ListLoaded(logger, report.Source, report.Added, report.Exceptions, report.SkippedTotal);
            }

            Log.Blocking(logger, blocked.Count, settings.Blocks.Count);
            return new PolicySnapshot(1, blocked, compiled.Exceptions);
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"--block: {ex.Message}", ex);
        }
    }

    private static bool IsCompiled(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        Span<byte> magic = stackalloc byte[6];
        using var stream = File.OpenRead(path);
        return stream.Read(magic) == 6 && magic.SequenceEqual("APDSET"u8);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Block list {Source}: {Names} names, {Exceptions} exceptions, {Skipped} lines skipped")]
        public static partial void ListLoaded(ILogger logger, string source, int names, int exceptions, int skipped);

        [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Blocking {Names} distinct names from {Lists} lists for every client")]
        public static partial void Blocking(ILogger logger, int names, int lists);
    }
}
