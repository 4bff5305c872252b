using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Appliance.Core.Lists;

namespace Appliance.Policy.Lists;

/// <summary>
/// Keeps the last good copy of one list in the cache directory, and replaces it only with content that passes
/// every check: not HTML (a captive portal or an error page), within the size limit, the pinned or published
/// SHA-256, a valid signature, and not shrunk by more than the allowed share against the last good copy. The
/// copy is replaced atomically (temp file + rename), so a crash or a full disk mid-way leaves the old one.
/// </summary>
public sealed class ListFetcher
{
    private readonly ListSourceOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly double _maxShrink;
    private readonly string _listPath;
    private readonly string _metaPath;

    public ListFetcher(ListSourceOptions options, string cacheDirectory, HttpClient http, TimeProvider time, double maxShrink)
    {
        _options = options;
        _http = http;
        _time = time;
        _maxShrink = maxShrink;
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(options.Source)))[..16];
        _listPath = Path.Combine(cacheDirectory, id + ".list");
        _metaPath = Path.Combine(cacheDirectory, id + ".meta");
        Meta = ReadMeta();
    }

    public ListSourceOptions Options => _options;

    /// <summary>The last good copy, or null before the first good fetch.</summary>
    public string? LastGoodPath => File.Exists(_listPath) ? _listPath : null;

    internal ListMeta Meta { get; private set; }

    public async Task<ListStatus> RefreshAsync(CancellationToken cancel)
    {
        var temp = _listPath + ".new";
        try
        {
            var fetched = _options.IsRemote ? await DownloadAsync(temp, cancel) : CopyLocal(temp);
            if (fetched is null)
            {
                return Status(ListRefreshOutcome.Unchanged, "not modified");
            }

            var (etag, lastModified) = fetched.Value;
            var sha = await HashAsync(temp, cancel);
            if (sha == Meta.Sha256 && LastGoodPath is not null)
            {
                Meta = Meta with { ETag = etag ?? Meta.ETag, LastModified = lastModified ?? Meta.LastModified };
                WriteMeta();
                return Status(ListRefreshOutcome.Unchanged, "same content");
            }

            var (problem, names) = await CheckAsync(temp, sha, cancel);
            if (problem is not null)
            {
                return Status(ListRefreshOutcome.Refused, problem);
            }

            File.Move(temp, _listPath, overwrite: true);
            Meta = new ListMeta(etag, lastModified, sha, names, _time.GetUtcNow(), LocalStamp());
            WriteMeta();
            return Status(ListRefreshOutcome.Updated, $"{Meta.Names} names");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or UnauthorizedAccessException or TaskCanceledException or InvalidDataException)
        {
            return Status(ListRefreshOutcome.Failed, ex.Message);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private ListStatus Status(ListRefreshOutcome outcome, string detail)
        => new(_options.Source, outcome, detail, Meta.Names, LastGoodPath is null ? null : Meta.FetchedAt, Meta.Sha256);

    // Conditional GET (RFC 9110 §13): If-None-Match with the last ETag, else If-Modified-Since. Null for 304.
    private async Task<(string? ETag, string? LastModified)?> DownloadAsync(string temp, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _options.Source);
        if (LastGoodPath is not null && Meta.ETag is { } etag && EntityTagHeaderValue.TryParse(etag, out var tag))
        {
            request.Headers.IfNoneMatch.Add(tag);
        }
        else if (LastGoodPath is not null && Meta.LastModified is { } modified
            && DateTimeOffset.TryParse(modified, CultureInfo.InvariantCulture, DateTimeStyles.None, out var since))
        {
            request.Headers.IfModifiedSince = since;
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        if (response.Content.Headers.ContentLength > _options.MaxBytes)
        {
            throw new InvalidDataException($"is {response.Content.Headers.ContentLength} bytes, over the limit of {_options.MaxBytes}");
        }

        await using (var body = await response.Content.ReadAsStreamAsync(cancel))
        await using (var file = File.Create(temp))
        {
            var buffer = new byte[81_920];
            long total = 0;
            int n;
            while ((n = await body.ReadAsync(buffer, cancel)) > 0)
            {
                total += n;
                if (total > _options.MaxBytes)
                {
                    throw new InvalidDataException($"is over the limit of {_options.MaxBytes} bytes; download stopped");
                }

                await file.WriteAsync(buffer.AsMemory(0, n), cancel);
            }

            await file.FlushAsync(cancel);
            file.Flush(flushToDisk: true);
        }

        return (response.Headers.ETag?.ToString(), response.Content.Headers.LastModified?.ToString("R", CultureInfo.InvariantCulture));
    }

    // A local file: re-read when its size or time changed. Null when unchanged.
    private (string?, string?)? CopyLocal(string temp)
    {
        var info = new FileInfo(_options.Source);
        if (!info.Exists)
        {
            throw new IOException($"{_options.Source}: no such file");
        }

        if (info.Length > _options.MaxBytes)
        {
            throw new InvalidDataException($"is {info.Length} bytes, over the limit of {_options.MaxBytes}");
        }

        if (LastGoodPath is not null && Meta.LocalStamp == Stamp(info))
        {
            return null;
        }

        File.Copy(_options.Source, temp, overwrite: true);
        return (null, null);
    }

    private string? LocalStamp() => _options.IsRemote ? null : Stamp(new FileInfo(_options.Source));

    private static string Stamp(FileInfo info) => $"{info.Length}:{info.LastWriteTimeUtc.Ticks}";

    // (null, names) when the content passes; (why not, _) when it does not.
    private async Task<(string? Problem, int Names)> CheckAsync(string temp, string sha, CancellationToken cancel)
    {
        if (_options.Sha256 is { } pinned && !string.Equals(pinned, sha, StringComparison.OrdinalIgnoreCase))
        {
            return ($"SHA-256 {sha} is not the pinned {pinned.ToLowerInvariant()}", 0);
        }

        if (_options.Sha256Url is { } shaUrl)
        {
            var published = (await ReadSmallAsync(shaUrl, cancel)).Trim().Split((char[])[' ', '\t', '\n'], 2)[0];
            if (!string.Equals(published, sha, StringComparison.OrdinalIgnoreCase))
            {
                return ($"SHA-256 {sha} does not match the published {published}", 0);
            }
        }

        if (_options.SignatureUrl is { } signatureUrl && !await SignatureValidAsync(temp, signatureUrl, cancel))
        {
            return ("the signature does not verify against the configured public key", 0);
        }

        var report = await BackgroundWork.RunAsync(() => Count(temp), "list check");
        if (report.LooksLikeHtml)
        {
            return ("is an HTML page, not a block list (a captive portal or an error page?)", report.Added);
        }

        if (report.Added == 0)
        {
            return ($"holds no usable names ({report.SkippedTotal} lines skipped)", 0);
        }

        if (LastGoodPath is not null && Meta.Names > 0 && report.Added < Meta.Names * (1 - _maxShrink))
        {
            return ($"shrank from {Meta.Names} to {report.Added} names, more than the allowed {_maxShrink:P0}", report.Added);
        }

        return (null, report.Added);
    }

    private async Task<bool> SignatureValidAsync(string path, string signatureUrl, CancellationToken cancel)
    {
        if (_options.PublicKeyPem is not { } pem)
        {
            return false;
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String((await ReadSmallAsync(signatureUrl, cancel)).Trim());
        }
        catch (FormatException)
        {
            return false;
        }

        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        await using var content = File.OpenRead(path);
        return key.VerifyData(content, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    private async Task<string> ReadSmallAsync(string source, CancellationToken cancel)
    {
        if (!source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !source.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return await File.ReadAllTextAsync(source, cancel);
        }

        using var response = await _http.GetAsync(source, cancel);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{source}: HTTP {(int)response.StatusCode}");
        }

        var text = await response.Content.ReadAsStringAsync(cancel);
        return text.Length > 16_384 ? throw new InvalidDataException($"{source}: too large for a checksum or signature") : text;
    }

    private ListParseReport Count(string path)
    {
        using var reader = File.OpenText(path);
        return ListParser.Parse(reader, _options.Source, ListFormat.Auto, Categories.Bit(_options.Category), new DomainSetBuilder(), new DomainSetBuilder());
    }

    private static async Task<string> HashAsync(string path, CancellationToken cancel)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancel));
    }

    private ListMeta ReadMeta()
    {
        try
        {
            return File.Exists(_metaPath) ? JsonSerializer.Deserialize(File.ReadAllText(_metaPath), ListMetaJson.Default.ListMeta) ?? ListMeta.None : ListMeta.None;
        }
        catch (JsonException)
        {
            return ListMeta.None;   // a damaged note only costs one full download
        }
    }

    private void WriteMeta()
    {
        var temp = _metaPath + ".new";
        File.WriteAllText(temp, JsonSerializer.Serialize(Meta, ListMetaJson.Default.ListMeta));
        File.Move(temp, _metaPath, overwrite: true);
    }
}

/// <summary>What the cache remembers about the last good copy.</summary>
internal sealed record ListMeta(string? ETag, string? LastModified, string? Sha256, int Names, DateTimeOffset? FetchedAt, string? LocalStamp)
{
    public static ListMeta None { get; } = new(null, null, null, 0, null, null);
}

[JsonSerializable(typeof(ListMeta))]
internal sealed partial class ListMetaJson : JsonSerializerContext;
