using Appliance.Core.Lists;
using Appliance.Protocols.Dns;

namespace Appliance.Core.Policy;

/// <summary>YouTube Restricted Mode for a group (Google's "restrict" and "restrictmoderate" DNS names).</summary>
public enum YouTubeMode : byte
{
    Off = 0,
    Moderate = 1,
    Strict = 2,
}

/// <summary>Where a safe-search rewrite points.</summary>
public enum SafeSearchTarget : byte
{
    None = 0,
    Google = 1,
    YouTubeStrict = 2,
    YouTubeModerate = 3,
    Bing = 4,
    DuckDuckGo = 5,
    Brave = 6,
    Ecosia = 7,
}

/// <summary>
/// Safe search by DNS (packet-path.md §3.5; the same mappings as AdGuard Home's safesearch rules, the
/// Asuswrt-Merlin "Enforce Safesearch" page and Google's own guidance, support.google.com/a/answer/6212415 and
/// /6214622): the engine's search host is answered with a CNAME to the engine's enforcement name plus that name's
/// addresses, so the browser talks to the engine's locked-safe front end under the usual name and certificate.
/// Exact names only: other hosts of these domains (mail.google.com, maps…) are untouched.
/// </summary>
public static class SafeSearch
{
    private const ulong GoogleEngine = 1 << 0;
    private const ulong YouTube = 1 << 1;
    private const ulong BingEngine = 1 << 2;
    private const ulong DuckDuckGoEngine = 1 << 3;
    private const ulong BraveEngine = 1 << 4;
    private const ulong EcosiaEngine = 1 << 5;

    // Google's country search domains (www.google.<suffix>), from its published supported_domains list.
    private const string GoogleSuffixes =
        "com ad ae al am as at az ba be bf bg bi bj bs bt by ca cat cd cf cg ch ci cl cm cn co cv cz de dj dk dm dz " +
        "ee es fi fm fr ga ge gg gl gm gp gr gy hn hr ht hu ie im iq is it je jo kg ki kz la li lk lt lu lv md me " +
        "mg mk ml mn ms mu mv mw ne nl no nr nu pl pn ps pt ro rs ru rw sc se sh si sk sm sn so sr st td tg tk tl " +
        "tm tn to tt vg vu ws " +
        "co.ao co.bw co.ck co.cr co.id co.il co.in co.jp co.ke co.kr co.ls co.ma co.mz co.nz co.th co.tz co.ug " +
        "co.uk co.uz co.ve co.vi co.za co.zm co.zw " +
        "com.af com.ag com.ai com.ar com.au com.bd com.bh com.bn com.bo com.br com.bz com.co com.cu com.cy com.do " +
        "com.ec com.eg com.et com.fj com.gh com.gi com.gt com.hk com.jm com.kh com.kw com.lb com.ly com.mm com.mt " +
        "com.mx com.my com.na com.nf com.ng com.ni com.np com.om com.pa com.pe com.pg com.ph com.pk com.pr com.py " +
        "com.qa com.sa com.sb com.sg com.sl com.sv com.tj com.tr com.tw com.ua com.uy com.vc com.vn";

    private static readonly byte[][] TargetNames =
    [
        [],
        DnsName.Encode("forcesafesearch.google.com"),
        DnsName.Encode("restrict.youtube.com"),
        DnsName.Encode("restrictmoderate.youtube.com"),
        DnsName.Encode("strict.bing.com"),
        DnsName.Encode("safe.duckduckgo.com"),
        DnsName.Encode("safe.search.brave.com"),
        DnsName.Encode("strict-safe-search.ecosia.org"),
    ];

    private static readonly DomainSet Hosts = BuildHosts();

    /// <summary>The enforcement name of a target, lower-case wire form.</summary>
    public static ReadOnlySpan<byte> TargetName(SafeSearchTarget target) => TargetNames[(int)target];

    /// <summary>Every target name, for warming their addresses.</summary>
    public static IEnumerable<SafeSearchTarget> Targets => Enum.GetValues<SafeSearchTarget>().Where(t => t != SafeSearchTarget.None);

    /// <summary>
    /// The rewrite for a name (its suffix hashes, <see cref="NameSuffixes"/>) under a group's settings, or
    /// <see cref="SafeSearchTarget.None"/>. Allocation-free.
    /// </summary>
    public static SafeSearchTarget Match(in NameSuffixes name, bool safeSearch, YouTubeMode youTube)
    {
        if (!safeSearch && youTube == YouTubeMode.Off)
        {
            return SafeSearchTarget.None;
        }

        var hit = Hosts.Match(name);
        if (hit == 0)
        {
            return SafeSearchTarget.None;
        }

        if ((hit & YouTube) != 0)
        {
            return youTube switch
            {
                YouTubeMode.Strict => SafeSearchTarget.YouTubeStrict,
                YouTubeMode.Moderate => SafeSearchTarget.YouTubeModerate,
                _ => SafeSearchTarget.None,
            };
        }

        if (!safeSearch)
        {
            return SafeSearchTarget.None;
        }

        return hit switch
        {
            GoogleEngine => SafeSearchTarget.Google,
            BingEngine => SafeSearchTarget.Bing,
            DuckDuckGoEngine => SafeSearchTarget.DuckDuckGo,
            BraveEngine => SafeSearchTarget.Brave,
            EcosiaEngine => SafeSearchTarget.Ecosia,
            _ => SafeSearchTarget.None,
        };
    }

    private static DomainSet BuildHosts()
    {
        var builder = new DomainSetBuilder();
        foreach (var suffix in GoogleSuffixes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            builder.Add("www.google." + suffix, GoogleEngine, exactOnly: true);
        }

        foreach (var host in new[] { "www.youtube.com", "m.youtube.com", "youtubei.googleapis.com", "youtube.googleapis.com", "www.youtube-nocookie.com" })
        {
            builder.Add(host, YouTube, exactOnly: true);
        }

        builder.Add("www.bing.com", BingEngine, exactOnly: true);
        builder.Add("bing.com", BingEngine, exactOnly: true);
        foreach (var host in new[] { "duckduckgo.com", "www.duckduckgo.com", "start.duckduckgo.com" })
        {
            builder.Add(host, DuckDuckGoEngine, exactOnly: true);
        }

        builder.Add("search.brave.com", BraveEngine, exactOnly: true);
        builder.Add("www.ecosia.org", EcosiaEngine, exactOnly: true);
        return builder.Build();
    }
}
