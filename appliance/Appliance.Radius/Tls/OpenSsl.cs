using System.Runtime.InteropServices;

namespace Appliance.Radius.Tls;

/// <summary>
/// The few OpenSSL 3 calls the EAP tunnel needs (the FreeRADIUS/hostapd model: an <c>SSL</c> driven through two memory
/// BIOs, so TLS bytes move in EAP round trips rather than over a socket). Why our own binding and not
/// <see cref="System.Net.Security.SslStream"/>: .NET 10 has no public RFC 5705 exporter, and the MS-MPPE keys need one
/// (radius.md §1); why not BouncyCastle: measured slower per handshake (docs/radius.md "Inner TLS"). libssl.so.3 is the
/// library .NET itself loads on Linux (Debian 12 and Raspberry Pi OS bookworm both ship OpenSSL 3.0).
/// </summary>
internal static partial class OpenSsl
{
    private const string Ssl = "libssl.so.3";
    private const string Crypto = "libcrypto.so.3";

    public const int SslFiletypePem = 1;
    public const int Tls12Version = 0x0303;
    public const int Tls13Version = 0x0304;

    // SSL_get_error results (ssl.h).
    public const int ErrorNone = 0;
    public const int ErrorSsl = 1;
    public const int ErrorWantRead = 2;
    public const int ErrorWantWrite = 3;
    public const int ErrorSyscall = 5;
    public const int ErrorZeroReturn = 6;

    // SSL_CTX_ctrl commands (ssl.h): the macros SSL_CTX_set_min/max_proto_version and SSL_CTX_set_session_cache_mode.
    private const int CtrlSetSessionCacheMode = 44;
    private const int CtrlSetMinProtoVersion = 123;
    private const int CtrlSetMaxProtoVersion = 124;
    private const int BioCtrlPending = 10;

    // SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE (ssl.h, OpenSSL 3.0).
    public const ulong OptionNoTicket = 1UL << 14;
    public const ulong OptionNoRenegotiation = 1UL << 30;
    public const ulong OptionCipherServerPreference = 1UL << 22;

    [LibraryImport(Ssl)]
    public static partial nint TLS_server_method();

    [LibraryImport(Ssl)]
    public static partial nint TLS_client_method();

    [LibraryImport(Ssl)]
    public static partial SafeSslContextHandle SSL_CTX_new(nint method);

    [LibraryImport(Ssl)]
    public static partial void SSL_CTX_free(nint ctx);

    [LibraryImport(Ssl)]
    public static partial long SSL_CTX_ctrl(SafeSslContextHandle ctx, int cmd, long larg, nint parg);

    [LibraryImport(Ssl)]
    public static partial ulong SSL_CTX_set_options(SafeSslContextHandle ctx, ulong options);

    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SSL_CTX_set_cipher_list(SafeSslContextHandle ctx, string list);

    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SSL_CTX_use_certificate_chain_file(SafeSslContextHandle ctx, string path);

    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SSL_CTX_use_PrivateKey_file(SafeSslContextHandle ctx, string path, int type);

    [LibraryImport(Ssl)]
    public static partial int SSL_CTX_check_private_key(SafeSslContextHandle ctx);

    [LibraryImport(Ssl)]
    public static partial SafeSslHandle SSL_new(SafeSslContextHandle ctx);

    [LibraryImport(Ssl)]
    public static partial void SSL_free(nint ssl);

    [LibraryImport(Ssl)]
    public static partial void SSL_set_bio(SafeSslHandle ssl, nint readBio, nint writeBio);

    [LibraryImport(Ssl)]
    public static partial void SSL_set_accept_state(SafeSslHandle ssl);

    [LibraryImport(Ssl)]
    public static partial void SSL_set_connect_state(SafeSslHandle ssl);

    [LibraryImport(Ssl)]
    public static partial int SSL_do_handshake(SafeSslHandle ssl);

    [LibraryImport(Ssl)]
    public static partial int SSL_is_init_finished(SafeSslHandle ssl);

    [LibraryImport(Ssl)]
    public static partial int SSL_get_error(SafeSslHandle ssl, int ret);

    [LibraryImport(Ssl)]
    public static unsafe partial int SSL_read(SafeSslHandle ssl, byte* buffer, int length);

    [LibraryImport(Ssl)]
    public static unsafe partial int SSL_write(SafeSslHandle ssl, byte* buffer, int length);

    [LibraryImport(Ssl)]
    public static partial int SSL_version(SafeSslHandle ssl);

    [LibraryImport(Ssl)]
    public static partial nint SSL_get_current_cipher(SafeSslHandle ssl);

    [LibraryImport(Ssl)]
    public static partial nint SSL_CIPHER_get_name(nint cipher);

    /// <summary>RFC 5705 keying material; with <paramref name="useContext"/> 0 it is the TLS 1.2 PRF over the randoms
    /// that EAP-TLS (RFC 5216 §2.3), PEAP and TTLS (RFC 5281 §8) define their keys with.</summary>
    [LibraryImport(Ssl)]
    public static unsafe partial int SSL_export_keying_material(SafeSslHandle ssl, byte* output, nuint outputLength, byte* label, nuint labelLength,
        byte* context, nuint contextLength, int useContext);

    [LibraryImport(Crypto)]
    public static partial nint BIO_s_mem();

    [LibraryImport(Crypto)]
    public static partial nint BIO_new(nint method);

    [LibraryImport(Crypto)]
    public static partial int BIO_free(nint bio);

    [LibraryImport(Crypto)]
    public static unsafe partial int BIO_write(nint bio, byte* data, int length);

    [LibraryImport(Crypto)]
    public static unsafe partial int BIO_read(nint bio, byte* data, int length);

    [LibraryImport(Crypto)]
    private static partial long BIO_ctrl(nint bio, int cmd, long larg, nint parg);

    [LibraryImport(Crypto)]
    public static partial ulong ERR_get_error();

    [LibraryImport(Crypto)]
    public static partial void ERR_clear_error();

    [LibraryImport(Crypto)]
    private static unsafe partial void ERR_error_string_n(ulong error, byte* buffer, nuint length);

    public static long Pending(nint bio) => BIO_ctrl(bio, BioCtrlPending, 0, 0);

    public static long SetMinProtocol(SafeSslContextHandle ctx, int version) => SSL_CTX_ctrl(ctx, CtrlSetMinProtoVersion, version, 0);

    public static long SetMaxProtocol(SafeSslContextHandle ctx, int version) => SSL_CTX_ctrl(ctx, CtrlSetMaxProtoVersion, version, 0);

    public static long DisableSessionCache(SafeSslContextHandle ctx) => SSL_CTX_ctrl(ctx, CtrlSetSessionCacheMode, 0, 0);

    /// <summary>The thread's OpenSSL error queue as one line (and the queue emptied), for error messages.</summary>
    public static unsafe string TakeErrors()
    {
        var messages = new List<string>();
        Span<byte> buffer = stackalloc byte[256];
        for (var error = ERR_get_error(); error != 0; error = ERR_get_error())
        {
            fixed (byte* p = buffer)
            {
                ERR_error_string_n(error, p, (nuint)buffer.Length);
            }

            var end = buffer.IndexOf((byte)0);
            messages.Add(System.Text.Encoding.UTF8.GetString(end < 0 ? buffer : buffer[..end]));
        }

        return messages.Count == 0 ? "no OpenSSL error recorded" : string.Join("; ", messages);
    }
}

/// <summary>An <c>SSL_CTX*</c>, freed once.</summary>
internal sealed class SafeSslContextHandle : SafeHandle
{
    public SafeSslContextHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OpenSsl.SSL_CTX_free(handle);
        return true;
    }
}

/// <summary>An <c>SSL*</c>, freed once (which frees the BIOs given to it by <c>SSL_set_bio</c>).</summary>
internal sealed class SafeSslHandle : SafeHandle
{
    public SafeSslHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OpenSsl.SSL_free(handle);
        return true;
    }
}
