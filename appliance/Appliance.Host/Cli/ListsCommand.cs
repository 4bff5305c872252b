using System.CommandLine;
using System.Diagnostics;
using Appliance.Core.Lists;

namespace Appliance.Host.Cli;

/// <summary><c>appliance lists compile|show|check</c>: build compiled block lists and look inside them.</summary>
public static class ListsCommand
{
    public static Command Create()
    {
        var lists = new Command("lists", "Compile block lists and inspect compiled ones");
        lists.Subcommands.Add(Compile());
        lists.Subcommands.Add(Show());
        lists.Subcommands.Add(Check());
        return lists;
    }

    private static Command Compile()
    {
        var sources = new Argument<string[]>("SOURCE") { Description = "List file or squidGuard/UT1 folder, optionally :CATEGORY (e.g. drugs.hosts:drugs)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Compiled list to write (replaced atomically; adblock exceptions go to OUT.exceptions)", Required = true, HelpName = "FILE" };
        var command = new Command("compile", "Compile list files into one memory-mappable list") { sources, output };
        command.SetAction(parse =>
        {
            var parsed = new List<ListSources.Source>();
            foreach (var text in parse.GetValue(sources)!)
            {
                if (!ListSources.Source.TryParse(text, out var source, out var problem))
                {
                    Console.Error.WriteLine($"appliance: {problem}");
                    return ExitCodes.BadUsage;
                }

                parsed.Add(source);
            }

            var watch = Stopwatch.StartNew();
            CompiledLists compiled;
            try
            {
                compiled = ListSources.Compile(parsed);
            }
            catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"appliance: {ex.Message}; nothing was written");
                return ExitCodes.BadUsage;
            }

            var path = parse.GetValue(output)!;
            DomainSetFile.Write(compiled.Blocks, path);
            if (compiled.Exceptions.Count > 0)
            {
                DomainSetFile.Write(compiled.Exceptions, path + ".exceptions");
            }

            watch.Stop();
            foreach (var report in compiled.Reports)
            {
                Console.WriteLine($"{report.Source}: {report.Lines} lines, {report.Added} names, {report.Exceptions} exceptions, {report.SkippedTotal} skipped ({report.Format})");
                foreach (var (reason, count) in report.Skipped)
                {
                    Console.WriteLine($"  skipped {count}: {reason}");
                }

                foreach (var (line, reason, text) in report.Examples.Take(5))
                {
                    Console.WriteLine($"    line {line}: {text}  ({reason})");
                }
            }

            var set = compiled.Blocks;
            Console.WriteLine($"compiled {set.Count} distinct names, {set.SizeBytes} bytes ({(set.Count == 0 ? 0 : set.SizeBytes / (double)set.Count):F1} B/name) in {watch.ElapsedMilliseconds} ms -> {path}");
            if (compiled.Exceptions.Count > 0)
            {
                Console.WriteLine($"compiled {compiled.Exceptions.Count} exceptions -> {path}.exceptions");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var file = new Argument<string>("FILE") { Description = "A compiled list" };
        var command = new Command("show", "Show what a compiled list holds: size and names per category") { file };
        command.SetAction(parse => WithSet(parse.GetValue(file)!, set =>
        {
            var perCategory = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var exact = 0;
            foreach (var (_, mask, isExact) in set.Entries())
            {
                exact += isExact ? 1 : 0;
                foreach (var category in Enum.GetValues<Category>())
                {
                    if ((mask & Categories.Bit(category)) != 0)
                    {
                        perCategory[Categories.Name(category)] = perCategory.GetValueOrDefault(Categories.Name(category)) + 1;
                    }
                }
            }

            Console.WriteLine($"{parse.GetValue(file)}: {set.Count} names ({exact} exact-only), {set.SizeBytes} bytes, {(set.Count == 0 ? 0 : set.SizeBytes / (double)set.Count):F1} B/name, {1 << set.BucketBits} buckets, {set.MaskCount} category combinations");
            foreach (var (name, count) in perCategory)
            {
                Console.WriteLine($"  {name}: {count}");
            }
        }));
        return command;
    }

    private static Command Check()
    {
        var file = new Argument<string>("FILE") { Description = "A compiled list" };
        var names = new Argument<string[]>("NAME") { Description = "Names to look up", Arity = ArgumentArity.OneOrMore };
        var command = new Command("check", "Say whether names are listed, and in which categories (parent domains count)") { file, names };
        command.SetAction(parse => WithSet(parse.GetValue(file)!, set =>
        {
            var exceptionsPath = parse.GetValue(file) + ".exceptions";
            using var exceptions = File.Exists(exceptionsPath) ? DomainSetFile.Load(exceptionsPath) : null;
            foreach (var name in parse.GetValue(names)!)
            {
                var mask = set.MatchText(name);
                var excepted = exceptions?.MatchText(name) ?? 0;
                Console.WriteLine(mask == 0 ? $"{name}: not listed"
                    : excepted != 0 ? $"{name}: listed ({Categories.Describe(mask)}) but excepted by an @@ rule"
                    : $"{name}: listed ({Categories.Describe(mask)})");
            }
        }));
        return command;
    }

    private static int WithSet(string path, Action<DomainSet> action)
    {
        try
        {
            using var set = DomainSetFile.Load(path);
            action(set);
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"appliance: {ex.Message}");
            return ExitCodes.BadUsage;
        }
    }
}
