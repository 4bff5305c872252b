namespace Appliance.Radius.Tls;

/// <summary>A TLS set-up that cannot be used: a certificate or key that OpenSSL refuses, or a library that is missing.</summary>
public sealed class TlsSetupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The server side of the EAP tunnels (PEAP, EAP-TTLS): one OpenSSL <c>SSL_CTX</c> with the RADIUS certificate, shared by
/// every conversation. TLS 1.2 only for now: FreeRADIUS 3.2 ships <c>tls_max_version = "1.2"</c>, the PEAP/TTLS key
/// derivations for TLS 1.3 (RFC 9427) differ, and every client in radius.md §3 falls back to 1.2. No session tickets and
/// no session cache: a resumed PEAP session would skip the inner authentication, which needs its own checks (later).
/// </summary>
public sealed class EapTlsContext : IDisposable
{
    // Forward secrecy only (ECDHE): with static-RSA key exchange, a server key stolen later would decrypt recorded
    // tunnels and expose their MSCHAPv2 exchanges to offline cracking. AES-GCM and ChaCha20 first; the server's order wins.
    private const string CipherList = "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES:!aNULL:!eNULL:!MD5:!RC4:!3DES:!SHA1";

    private readonly SafeSslContextHandle _context;

    private EapTlsContext(SafeSslContextHandle context) => _context = context;

    internal SafeSslContextHandle Handle => _context;

    /// <summary>Loads the certificate chain (leaf first, PEM) and its private key (PEM).</summary>
    /// <exception cref="TlsSetupException">A file is missing or unreadable, or the key does not match the certificate.</exception>
    public static EapTlsContext Load(string certificateChainPem, string privateKeyPem) =>
        Create(server: true, certificateChainPem, privateKeyPem);

    /// <summary>A client context (tests, and the benchmark's handshakes).</summary>
    internal static EapTlsContext CreateClient() => Create(server: false, null, null);

    private static EapTlsContext Create(bool server, string? chain, string? key)
    {
        SafeSslContextHandle context;
        try
        {
            OpenSsl.ERR_clear_error();
            context = OpenSsl.SSL_CTX_new(server ? OpenSsl.TLS_server_method() : OpenSsl.TLS_client_method());
        }
        catch (DllNotFoundException ex)
        {
            throw new TlsSetupException("OpenSSL 3 (libssl.so.3) is not installed: the EAP methods need it", ex);
        }

        if (context.IsInvalid)
        {
            throw new TlsSetupException($"OpenSSL could not create a TLS context: {OpenSsl.TakeErrors()}");
        }

        try
        {
            Configure(context, chain, key);
            return new EapTlsContext(context);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static void Configure(SafeSslContextHandle context, string? chain, string? key)
    {
        Check(OpenSsl.SetMinProtocol(context, OpenSsl.Tls12Version) == 1, "set the minimum TLS version");
        Check(OpenSsl.SetMaxProtocol(context, OpenSsl.Tls12Version) == 1, "set the maximum TLS version");
        OpenSsl.SSL_CTX_set_options(context, OpenSsl.OptionNoTicket | OpenSsl.OptionNoRenegotiation | OpenSsl.OptionCipherServerPreference);
        OpenSsl.DisableSessionCache(context);
        Check(OpenSsl.SSL_CTX_set_cipher_list(context, CipherList) == 1, "set the cipher suites");
        if (chain is null || key is null)
        {
            return;
        }

        Check(OpenSsl.SSL_CTX_use_certificate_chain_file(context, chain) == 1, $"load the certificate chain {chain}");
        Check(OpenSsl.SSL_CTX_use_PrivateKey_file(context, key, OpenSsl.SslFiletypePem) == 1, $"load the private key {key}");
        Check(OpenSsl.SSL_CTX_check_private_key(context) == 1, $"match the private key {key} to the certificate {chain}");
    }

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new TlsSetupException($"OpenSSL could not {what}: {OpenSsl.TakeErrors()}");
        }
    }

    public void Dispose() => _context.Dispose();
}
