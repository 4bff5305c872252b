namespace Appliance.Lessons.Fetch;

/// <summary>
/// The end of a request's redirects: the response (the caller disposes it) or a problem in plain words. Refused: the
/// policy's judge refused the next hop (the problem says why), so nothing was asked of it.
/// </summary>
internal sealed record Followed(Uri FinalUrl, IReadOnlyList<Uri> Chain, HttpResponseMessage? Response, string? Problem, int? Status, bool Refused = false);

/// <summary>
/// Follows redirects itself (the handler's AllowAutoRedirect is off) so each hop can be checked: counted against
/// the limit, kept to http and https (RFC 9110 §15.4 lets Location name any scheme; a lesson copy needs a web
/// one), refused when it loops, and for assets refused when it leaves the page's site. Last, each hop that passed
/// all that is put to the policy's judge before any connection to it: a teacher's allowed link shortener must not
/// bring a statutory-listed page onto the box. The chain is recorded.
/// </summary>
internal static class RedirectFollower
{
    public static async Task<Followed> GetAsync(
        HttpClient http, Uri url, int maxRedirects, Func<Uri, bool> mayGoTo, Func<Uri, string?> refuse,
        Action<HttpRequestMessage> decorate, CancellationToken cancel)
    {
        var chain = new List<Uri> { url };
        var current = url;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            decorate(request);
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
            var status = (int)response.StatusCode;
            if (status is not (301 or 302 or 303 or 307 or 308))
            {
                return new Followed(current, chain[1..], response, null, status);
            }

            var location = response.Headers.Location;
            response.Dispose();
            string? problem = null;
            Uri? next = null;
            if (location is null || !Uri.TryCreate(current, location, out next))
            {
                problem = "the site redirected without a usable address";
            }
            else if (!WebUrl.IsWeb(next))
            {
                problem = $"the site redirected to a non-web address ({next.Scheme}:), which is not followed";
            }
            else if (chain.Any(u => u.AbsoluteUri == WebUrl.Key(next)))
            {
                problem = "the site's redirects go round in a loop";
            }
            else if (chain.Count > maxRedirects)
            {
                problem = $"too many redirects (more than {maxRedirects})";
            }
            else if (!mayGoTo(next))
            {
                problem = $"the site redirected to another site ({next.Host}), which is not copied";
            }

            if (problem is not null)
            {
                return new Followed(current, chain[1..], null, problem, status);
            }

            next = WebUrl.WithoutFragment(next!);
            if (refuse(next) is { } reason)
            {
                return new Followed(current, chain[1..], null, $"the site redirected to {next.IdnHost} ({reason})", status, Refused: true);
            }

            current = next;
            chain.Add(current);
        }
    }
}
