using Appliance.Core.Lists;

namespace Appliance.Policy.Lists;

/// <summary>
/// One list the box keeps up to date: a local file (re-read when it changes) or an HTTP(S) URL (fetched with a
/// conditional GET), with the checks the Local Authority can ask for.
/// </summary>
public sealed record ListSourceOptions
{
    /// <summary>A file path, or an http:// or https:// URL.</summary>
    public required string Source { get; init; }

    /// <summary>The category every name of the list gets (a statutory category for the locked lists).</summary>
    public required Category Category { get; init; }

    /// <summary>The SHA-256 (hex) the content must have, when the Local Authority pins one.</summary>
    public string? Sha256 { get; init; }

    /// <summary>A URL (or file) holding the SHA-256 of the current content ("HEX" or "HEX  name", as sha256sum writes).</summary>
    public string? Sha256Url { get; init; }

    /// <summary>A URL (or file) holding a detached signature of the content: base64 of an ECDSA P-256/SHA-256 DER signature.</summary>
    public string? SignatureUrl { get; init; }

    /// <summary>The PEM public key the signature must verify against (required with <see cref="SignatureUrl"/>).</summary>
    public string? PublicKeyPem { get; init; }

    /// <summary>A list larger than this is refused (a runaway download, or the wrong file).</summary>
    public long MaxBytes { get; init; } = 64L * 1024 * 1024;

    public bool IsRemote => Source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || Source.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
}

/// <summary>What happened to one list in a refresh.</summary>
public enum ListRefreshOutcome
{
    /// <summary>Not modified (304, same file) or the same content: nothing to do.</summary>
    Unchanged,

    /// <summary>New content passed every check and is now the last good copy.</summary>
    Updated,

    /// <summary>New content failed a check (HTML, shrink, size, checksum, signature); the last good copy stays. An alert.</summary>
    Refused,

    /// <summary>The source could not be reached or read; the last good copy stays.</summary>
    Failed,
}

/// <summary>The state of one list after a refresh, for health, the dashboard and alerts.</summary>
public sealed record ListStatus(string Source, ListRefreshOutcome Outcome, string Detail, int Names, DateTimeOffset? LastGood, string? Sha256);
