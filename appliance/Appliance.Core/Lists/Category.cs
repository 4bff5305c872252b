namespace Appliance.Core.Lists;

/// <summary>
/// The filtering categories: the UK Safer Internet Centre's "appropriate filtering" list, then the extra
/// categories schools control. Each is one bit of a 64-bit mask, so its number is stable forever (the compiled
/// list files, the journal and MQTT carry it). Add new ones at the end; never renumber.
/// </summary>
public enum Category : byte
{
    DiscriminationHate = 0,
    Drugs = 1,
    Extremism = 2,
    Gambling = 3,

    /// <summary>Malware, hacking, phishing and scams: a security category (DESIGN §5 precedence).</summary>
    Malware = 4,
    Misinformation = 5,
    Piracy = 6,
    Pornography = 7,

    /// <summary>Self-harm, suicide and eating disorders.</summary>
    SelfHarm = 8,
    Violence = 9,

    /// <summary>Violence against women and girls.</summary>
    ViolenceAgainstWomenAndGirls = 10,
    Weapons = 11,

    /// <summary>VPNs, proxies, DoH resolvers, redirectors.</summary>
    Circumvention = 12,
    SocialMedia = 13,
    Games = 14,
    Streaming = 15,
    GenerativeAiChat = 16,

    /// <summary>The IWF child sexual abuse list: statutory, locked, content never shown.</summary>
    StatutoryIwf = 62,

    /// <summary>The police-assessed terrorism list (CTIRU): statutory, locked, content never shown.</summary>
    StatutoryTerrorism = 63,
}

/// <summary>Names and masks of categories.</summary>
public static class Categories
{
    public static ulong Bit(Category category) => 1UL << (int)category;

    /// <summary>Categories nobody may override (DESIGN §5: locked statutory lists).</summary>
    public static ulong Locked { get; } = Bit(Category.StatutoryIwf) | Bit(Category.StatutoryTerrorism);

    /// <summary>The kebab-case name used in files and on the command line ("self-harm", "generative-ai-chat").</summary>
    public static string Name(Category category) => category switch
    {
        Category.DiscriminationHate => "discrimination-hate",
        Category.SelfHarm => "self-harm",
        Category.ViolenceAgainstWomenAndGirls => "violence-against-women-and-girls",
        Category.Circumvention => "circumvention",
        Category.SocialMedia => "social-media",
        Category.GenerativeAiChat => "generative-ai-chat",
        Category.StatutoryIwf => "statutory-iwf",
        Category.StatutoryTerrorism => "statutory-terrorism",
        _ => category.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Maps a list's own name (a file stem such as "phishing", or a UT1/squidGuard folder such as "adult") to our
    /// category, for the well-known list families. Unknown names need an explicit category.
    /// </summary>
    public static bool TryFromListName(string name, out Category category)
    {
        if (TryParse(name, out category))
        {
            return true;
        }

        Category? mapped = name.ToLowerInvariant() switch
        {
            "adult" or "porn" or "sexual_education" or "lingerie" or "mixed_adult" => Category.Pornography,
            "phishing" or "ransomware" or "scam" or "fraud" or "crypto" or "cryptojacking" or "hacking" or "malicious" or "dangerous_material" => Category.Malware,
            "torrent" or "warez" or "filehosting" => Category.Piracy,
            "redirect" or "redirector" or "vpn" or "proxy" or "doh" or "strong_redirector" => Category.Circumvention,
            "tiktok" or "facebook" or "social_networks" or "social" or "chat" => Category.SocialMedia,
            "vaping" or "drogue" => Category.Drugs,
            "gambling" or "bitcoin_gambling" => Category.Gambling,
            "games" or "gaming" => Category.Games,
            "agressif" or "violence" => Category.Violence,
            "audio-video" or "streaming" => Category.Streaming,
            "weapons" or "armes" => Category.Weapons,
            _ => null,
        };
        category = mapped ?? default;
        return mapped is not null;
    }

    public static bool TryParse(string text, out Category category)
    {
        foreach (var c in Enum.GetValues<Category>())
        {
            if (string.Equals(Name(c), text, StringComparison.OrdinalIgnoreCase))
            {
                category = c;
                return true;
            }
        }

        category = default;
        return false;
    }

    /// <summary>"drugs, malware" for a mask; for reports and tools.</summary>
    public static string Describe(ulong mask)
    {
        var names = new List<string>();
        foreach (var c in Enum.GetValues<Category>())
        {
            if ((mask & Bit(c)) != 0)
            {
                names.Add(Name(c));
            }
        }

        return names.Count == 0 ? "(none)" : string.Join(", ", names);
    }
}
