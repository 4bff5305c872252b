using System.Net;

namespace Appliance.Host.Configuration;

/// <summary>The lessons section: the mirror's name and address, pre-fetch lead time and storage limits.</summary>
public sealed partial class SettingsBuilder
{
    private LessonSettings Lessons(LessonsConfig? config)
    {
        var defaults = new LessonSettings();
        if (config is null)
        {
            return defaults;
        }

        IPAddress? address = null;
        // IPAddress.TryParse takes inet_aton's short forms ("10.0.0"): an IPv4 address must have all four parts.
        if (config.MirrorAddress is { } text && (!IPAddress.TryParse(text, out address) || (!text.Contains(':', StringComparison.Ordinal) && text.Count(c => c == '.') != 3)))
        {
            Error("lessons.mirrorAddress", $"'{text}' is not an IP address");
        }

        var host = config.MirrorHostName?.Trim().TrimEnd('.').ToLowerInvariant();
        if (host is not null)
        {
            Span<char> name = stackalloc char[256];
            if (host.Length == 0 || !host.Contains('.', StringComparison.Ordinal)
                || Appliance.Core.Lists.ListParser.Normalize(host, name, out _, out _) is not null)
            {
                Error("lessons.mirrorHostName", $"'{config.MirrorHostName}' is not a host name such as lessons.school.internal");
            }
            else if (config.MirrorAddress is null)
            {
                Error("lessons.mirrorAddress", "is missing: the resolver needs the box's LAN address to answer lessons.mirrorHostName with");
            }
        }

        var resource = (long)Range(config.ResourceMb, "lessons.resourceMb", 1, 1_024, (int)(defaults.ResourceBytes >> 20)) << 20;
        var lesson = (long)Range(config.LessonMb, "lessons.lessonMb", 1, 10_240, (int)(defaults.LessonBytes >> 20)) << 20;
        var quota = (long)Range(config.QuotaMb, "lessons.quotaMb", 16, 1_048_576, (int)(defaults.QuotaBytes >> 20)) << 20;
        if (resource > lesson)
        {
            Error("lessons.resourceMb", $"({resource >> 20}) is larger than lessons.lessonMb ({lesson >> 20}); one file could never fit in a lesson");
        }

        if (lesson > quota)
        {
            Error("lessons.lessonMb", $"({lesson >> 20}) is larger than lessons.quotaMb ({quota >> 20})");
        }

        return new LessonSettings
        {
            Enabled = config.Enabled ?? defaults.Enabled,
            MirrorHostName = host,
            MirrorAddress = address,
            PrefetchLead = TimeSpan.FromHours(Range(config.PrefetchLeadHours, "lessons.prefetchLeadHours", 1, 24 * 14, (int)defaults.PrefetchLead.TotalHours)),
            QuotaBytes = quota,
            ResourceBytes = resource,
            LessonBytes = lesson,
            KeepAfter = TimeSpan.FromDays(Range(config.KeepDays, "lessons.keepDays", 0, 365, (int)defaults.KeepAfter.TotalDays)),
            FetchFrom = Choice(config.FetchFrom, "lessons.fetchFrom", defaults.FetchFrom),
        };
    }
}
