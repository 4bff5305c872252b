using Appliance.Core.Lists;
using Appliance.Core.Policy;
using Appliance.Host.Configuration;
using Appliance.Policy.Lists;

namespace Appliance.Host.Hosting;

/// <summary>
/// Loads the lists: the category block lists (--block, folders and compiled lists as they are, and the last good
/// copies of managed files and URLs), compiled (text lists) or mapped (compiled ones) and merged into one set,
/// and the locked statutory lists. Runs off the hot path, at start and after every refresh that changed a list.
/// </summary>
public static partial class PolicyLoader
{
    /// <exception cref="ConfigException">A list is HTML, has no category, or is not a valid compiled list.</exception>
    public static PolicyLists Load(ApplianceSettings settings, ListRefresher refresher, ILogger logger)
    {
        var (blocked, exceptions) = LoadBlocks([.. settings.Blocks, .. refresher.GoodCopies(statutory: false)], logger);
        return new PolicyLists(blocked, exceptions, LoadStatutory(refresher.GoodCopies(statutory: true), logger));
    }

    private static DomainSet LoadStatutory(IReadOnlyList<ListSources.Source> sources, ILogger logger)
    {
        if (sources.Count == 0)
        {
            return DomainSet.Empty;
        }

        try
        {
            var compiled = ListSources.Compile(sources);
            compiled.Exceptions.Dispose();   // a statutory list has no exceptions: an @@ line in one is ignored
            foreach (var report in compiled.Reports)
            {
                // The count only: the content of a statutory list is never shown (IWF licence terms).
                Log.StatutoryLoaded(logger, report.Source, report.Added, report.SkippedTotal);
            }

            return compiled.Blocks;
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"filtering.statutoryLists: {ex.Message}", ex);
        }
    }

    private static (DomainSet Blocked, DomainSet Exceptions) LoadBlocks(IReadOnlyList<ListSources.Source> blocks, ILogger logger)
    {
        if (blocks.Count == 0)
        {
            return (DomainSet.Empty, DomainSet.Empty);
        }

        try
        {
            // One compiled list: use it as mapped — no copy, so its pages are shared with the page cache and the
            // process holds only what lookups touch. Several lists are merged into one set in memory (to keep
            // the mapping benefit with several, merge them once with `appliance lists compile`).
            if (blocks is [{ } only] && DomainSetFile.IsCompiled(only.Path))
            {
                var mapped = DomainSetFile.Load(only.Path);
                var exceptionsPath = only.Path + ".exceptions";
                var mappedExceptions = File.Exists(exceptionsPath) ? DomainSetFile.Load(exceptionsPath) : DomainSet.Empty;
                Log.Blocking(logger, mapped.Count, 1);
                return (mapped, mappedExceptions);
            }

            var text = blocks.Where(s => !DomainSetFile.IsCompiled(s.Path)).ToList();
            var compiled = ListSources.Compile(text);
            var blocked = compiled.Blocks;
            var precompiled = blocks.Where(s => DomainSetFile.IsCompiled(s.Path)).ToList();
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

            Log.Blocking(logger, blocked.Count, blocks.Count);
            return (blocked, compiled.Exceptions);
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"--block/filtering.lists: {ex.Message}", ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Block list {Source}: {Names} names, {Exceptions} exceptions, {Skipped} lines skipped")]
        public static partial void ListLoaded(ILogger logger, string source, int names, int exceptions, int skipped);

        [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Block lists: {Names} distinct names from {Lists} lists")]
        public static partial void Blocking(ILogger logger, int names, int lists);

        [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Statutory list {Source}: {Names} entries (locked; content not shown), {Skipped} lines skipped")]
        public static partial void StatutoryLoaded(ILogger logger, string source, int names, int skipped);
    }
}
