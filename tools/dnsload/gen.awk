# gen.awk — generate the authoritative zone and the dnsperf query file for tools/dnsload/run.sh.
#
# Plain POSIX awk (mawk on a fresh Debian 12 is enough). Invoke with:
#   awk -v names=20000 -v queries=200000 -v nx_pct=5 -v aaaa_pct=35 -v seed=42 \
#       -v zone=bench.test -v zonefile=OUT.zone -v queryfile=OUT.queries -f gen.awk
#
# Zone: SOA/NS plus, for each of `names` hosts, one A and one AAAA record, all with TTL 3600 and a negative
# TTL (SOA minimum) of 3600 so that both positive and NXDOMAIN answers stay cached for the whole run.
# Queries: `queries` lines "NAME TYPE". The name's rank is drawn from a Zipf distribution with s = 1 (rank k
# has weight 1/k), so a few names are very popular and the tail is long, as on a real network. nx_pct % of
# the lines ask for names that do not exist (drawn with the same Zipf law over a separate namespace, so they
# are negatively cached after the first miss); aaaa_pct % ask for AAAA, the rest for A.
BEGIN {
    if (names < 1 || queries < 1) { print "gen.awk: names and queries must be positive" > "/dev/stderr"; exit 2 }
    srand(seed + 0)

    # A small vocabulary for host labels, so names have realistic, varied lengths.
    nw = split("www mail cdn api static img login portal learn classroom video drive docs update " \
               "telemetry ocsp fonts ads sync auth news maps edge media assets", words, " ")
    nd = split("example school district library science maths museum kids games music weather " \
               "council exams tutor reading stream cloud office", doms, " ")

    # Cumulative Zipf weights over ranks 1..names.
    total = 0
    for (k = 1; k <= names; k++) { total += 1.0 / k; cdf[k] = total }
    for (k = 1; k <= names; k++) cdf[k] /= total

    # Zone file.
    print "$ORIGIN " zone "." > zonefile
    print "$TTL 3600" > zonefile
    print "@ IN SOA ns." zone ". hostmaster." zone ". 1 3600 900 604800 3600" > zonefile
    print "@ IN NS ns." zone "." > zonefile
    print "ns IN A 127.0.0.1" > zonefile
    for (k = 1; k <= names; k++) {
        h = hostname(k)
        printf "%s IN A 10.%d.%d.%d\n", h, int(k / 65536) % 256, int(k / 256) % 256, k % 256 > zonefile
        printf "%s IN AAAA 2001:db8::%x:%x\n", h, int(k / 65536), k % 65536 > zonefile
    }
    close(zonefile)

    # Query file.
    for (i = 0; i < queries; i++) {
        k = zipf()
        if (rand() * 100 < nx_pct) name = "nx-" hostname(k)
        else name = hostname(k)
        type = (rand() * 100 < aaaa_pct) ? "AAAA" : "A"
        print name "." zone " " type > queryfile
    }
    close(queryfile)
}

# Rank k -> a stable host label such as "static.maths1234".
function hostname(k) {
    return words[(k * 7) % nw + 1] "." doms[(k * 13) % nd + 1] k
}

# Binary search of the cumulative distribution.
function zipf(    u, lo, hi, mid) {
    u = rand(); lo = 1; hi = names
    while (lo < hi) {
        mid = int((lo + hi) / 2)
        if (cdf[mid] < u) lo = mid + 1; else hi = mid
    }
    return lo
}
