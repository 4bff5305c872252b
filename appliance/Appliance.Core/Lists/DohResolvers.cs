namespace Appliance.Core.Lists;

/// <summary>
/// Host names of well-known public DNS-over-HTTPS and DNS-over-TLS resolvers, always in the circumvention
/// category (packet-path.md §3.4: "block DoH hostnames by DNS and SNI"). A browser or app that tries its own
/// encrypted resolver first looks its name up here, through the school's resolver; answering it blocked makes
/// Chrome's and Firefox's automatic upgrade fall back to the system resolver. The list covers the resolvers
/// browsers and operating systems offer by default and the big public ones; schools extend it with a
/// circumvention list (UT1 <c>doh</c>, hagezi <c>doh.txt</c>) through <c>filtering.lists</c>.
/// Entries cover their subdomains.
/// </summary>
public static class DohResolvers
{
    private const string Names = """
        dns.google dns.google.com 8888.google dns64.dns.google
        cloudflare-dns.com mozilla.cloudflare-dns.com chrome.cloudflare-dns.com one.one.one.one 1dot1dot1dot1.cloudflare-dns.com
        security.cloudflare-dns.com family.cloudflare-dns.com
        dns.quad9.net dns9.quad9.net dns10.quad9.net dns11.quad9.net dns12.quad9.net
        doh.opendns.com doh.familyshield.opendns.com doh.umbrella.com
        dns.adguard.com dns-family.adguard.com dns-unfiltered.adguard.com dns.adguard-dns.com family.adguard-dns.com unfiltered.adguard-dns.com
        dns.nextdns.io chromium.dns.nextdns.io firefox.dns.nextdns.io
        doh.cleanbrowsing.org
        dns.controld.com freedns.controld.com
        doh.mullvad.net dns.mullvad.net
        dns0.eu zero.dns0.eu kids.dns0.eu open.dns0.eu
        doh.dns.sb dns.alidns.com doh.pub doh.360.cn dns.twnic.tw public.dns.iij.jp
        doh.xfinity.com doh.libredns.gr dns.switch.ch dns.digitale-gesellschaft.ch doh.applied-privacy.net
        doh.ffmuc.net dnsforge.de odvr.nic.cz ordns.he.net dns.njal.la dns.aa.net.uk
        private.canadianshield.cira.ca protected.canadianshield.cira.ca family.canadianshield.cira.ca
        dns.surfsharkdns.com doh.seby.io doh.tiar.app doh.crypto.sx dns.decloudus.com dns.comss.one
        doh.la.ahadns.net doh.nl.ahadns.net resolver2.dns.watch dns.rubyfish.cn doh.dnslify.com
        """;

    /// <summary>The names, one per entry.</summary>
    public static IReadOnlyList<string> All { get; } = Names.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The names as a set in the circumvention category.</summary>
    public static DomainSet Build()
    {
        var builder = new DomainSetBuilder();
        foreach (var name in All)
        {
            builder.Add(name, Categories.Bit(Category.Circumvention));
        }

        return builder.Build();
    }
}
