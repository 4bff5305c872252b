using System.Buffers;

namespace Appliance.Radius.Tls;

/// <summary>Where a tunnel's handshake stands after the peer's bytes were fed in.</summary>
public enum TlsProgress
{
    /// <summary>The handshake wants more of the peer's bytes (send what <see cref="TlsTunnel.TakeOutput"/> gives first).</summary>
    NeedInput,

    /// <summary>The handshake is complete: application data can flow and keys can be exported.</summary>
    Established,

    /// <summary>The handshake failed (the peer's alert or bad bytes); <see cref="TlsTunnel.Failure"/> says why.</summary>
    Failed,
}

/// <summary>
/// One TLS session driven by EAP round trips (RFC 5216 §2.1): the peer's reassembled TLS bytes go in with
/// <see cref="Feed"/>, <see cref="Advance"/> runs the handshake as far as it goes, and <see cref="TakeOutput"/> gives the
/// bytes to send back in the next EAP-Request. Two OpenSSL memory BIOs stand in for the socket. Not thread-safe: a
/// conversation is handled by one request at a time.
/// </summary>
public sealed class TlsTunnel : IDisposable
{
    private readonly SafeSslHandle _ssl;
    private readonly nint _input;    // the peer's bytes, read by OpenSSL (owned by _ssl)
    private readonly nint _output;   // OpenSSL's bytes for the peer (owned by _ssl)

    private TlsTunnel(SafeSslHandle ssl, nint input, nint output)
    {
        _ssl = ssl;
        _input = input;
        _output = output;
    }

    public bool IsEstablished { get; private set; }

    public string? Failure { get; private set; }

    /// <summary>The negotiated protocol and suite, e.g. "TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384", once established.</summary>
    public string? Description { get; private set; }

    public static TlsTunnel Accept(EapTlsContext context) => Create(context, server: true);

    internal static TlsTunnel Connect(EapTlsContext context) => Create(context, server: false);

    private static TlsTunnel Create(EapTlsContext context, bool server)
    {
        var ssl = OpenSsl.SSL_new(context.Handle);
        if (ssl.IsInvalid)
        {
            throw new TlsSetupException($"OpenSSL could not create a TLS session: {OpenSsl.TakeErrors()}");
        }

        var input = OpenSsl.BIO_new(OpenSsl.BIO_s_mem());
        var output = OpenSsl.BIO_new(OpenSsl.BIO_s_mem());
        if (input == 0 || output == 0)
        {
            _ = OpenSsl.BIO_free(input);    // BIO_free(NULL) is a no-op; the result only says whether it freed
            _ = OpenSsl.BIO_free(output);
            ssl.Dispose();
            throw new TlsSetupException($"OpenSSL could not create memory BIOs: {OpenSsl.TakeErrors()}");
        }

        OpenSsl.SSL_set_bio(ssl, input, output);   // the SSL owns both from here
        if (server)
        {
            OpenSsl.SSL_set_accept_state(ssl);
        }
        else
        {
            OpenSsl.SSL_set_connect_state(ssl);
        }

        return new TlsTunnel(ssl, input, output);
    }

    /// <summary>Queues the peer's TLS bytes (one reassembled EAP-TLS message).</summary>
    public unsafe void Feed(ReadOnlySpan<byte> peerBytes)
    {
        fixed (byte* p = peerBytes)
        {
            if (!peerBytes.IsEmpty && OpenSsl.BIO_write(_input, p, peerBytes.Length) != peerBytes.Length)
            {
                throw new TlsSetupException($"OpenSSL memory BIO refused {peerBytes.Length} bytes: {OpenSsl.TakeErrors()}");
            }
        }
    }

    /// <summary>Runs the handshake with what was fed in.</summary>
    public TlsProgress Advance()
    {
        if (Failure is not null)
        {
            return TlsProgress.Failed;
        }

        if (IsEstablished)
        {
            return TlsProgress.Established;
        }

        OpenSsl.ERR_clear_error();
        var result = OpenSsl.SSL_do_handshake(_ssl);
        if (result == 1)
        {
            IsEstablished = true;
            Description = $"{ProtocolName(OpenSsl.SSL_version(_ssl))} {System.Runtime.InteropServices.Marshal.PtrToStringUTF8(OpenSsl.SSL_CIPHER_get_name(OpenSsl.SSL_get_current_cipher(_ssl)))}";
            return TlsProgress.Established;
        }

        var error = OpenSsl.SSL_get_error(_ssl, result);
        if (error is OpenSsl.ErrorWantRead or OpenSsl.ErrorWantWrite)
        {
            return TlsProgress.NeedInput;
        }

        Failure = $"TLS handshake failed ({error}): {OpenSsl.TakeErrors()}";
        return TlsProgress.Failed;
    }

    /// <summary>How many bytes are waiting to be sent to the peer.</summary>
    public int PendingOutput => (int)OpenSsl.Pending(_output);

    /// <summary>Moves everything waiting for the peer into <paramref name="destination"/>; returns the count.</summary>
    public unsafe int TakeOutput(IBufferWriter<byte> destination)
    {
        var total = 0;
        for (var pending = PendingOutput; pending > 0; pending = PendingOutput)
        {
            var span = destination.GetSpan(pending);
            int read;
            fixed (byte* p = span)
            {
                read = OpenSsl.BIO_read(_output, p, Math.Min(span.Length, pending));
            }

            if (read <= 0)
            {
                break;
            }

            destination.Advance(read);
            total += read;
        }

        return total;
    }

    /// <summary>Encrypts application data (the inner method's bytes); the records appear in <see cref="TakeOutput"/>.</summary>
    public unsafe void Write(ReadOnlySpan<byte> plaintext)
    {
        RequireEstablished();
        fixed (byte* p = plaintext)
        {
            OpenSsl.ERR_clear_error();
            if (!plaintext.IsEmpty && OpenSsl.SSL_write(_ssl, p, plaintext.Length) != plaintext.Length)
            {
                throw new TlsSetupException($"TLS write failed: {OpenSsl.TakeErrors()}");
            }
        }
    }

    /// <summary>Decrypts the application data fed in so far into <paramref name="destination"/>; returns the count.</summary>
    /// <returns>The number of bytes, 0 when no complete record is waiting, or -1 when the peer's records are bad or it closed.</returns>
    public unsafe int Read(IBufferWriter<byte> destination)
    {
        RequireEstablished();
        var total = 0;
        while (true)
        {
            var span = destination.GetSpan(4096);
            int read;
            fixed (byte* p = span)
            {
                OpenSsl.ERR_clear_error();
                read = OpenSsl.SSL_read(_ssl, p, span.Length);
            }

            if (read > 0)
            {
                destination.Advance(read);
                total += read;
                continue;
            }

            var error = OpenSsl.SSL_get_error(_ssl, read);
            if (error is OpenSsl.ErrorWantRead or OpenSsl.ErrorWantWrite)
            {
                return total;
            }

            Failure = $"TLS read failed ({error}): {OpenSsl.TakeErrors()}";
            return -1;
        }
    }

    /// <summary>
    /// RFC 5705 keying material without a context, i.e. TLS-PRF(master_secret, label, client_random ‖ server_random)
    /// for TLS 1.2: the MSK of PEAP and EAP-TLS ("client EAP encryption", RFC 5216 §2.3) and of TTLS ("ttls keying
    /// material", RFC 5281 §8), and TTLS's MS-CHAP challenge ("ttls challenge", RFC 5281 §11.2).
    /// </summary>
    public unsafe void ExportKeyingMaterial(string label, Span<byte> destination)
    {
        RequireEstablished();
        Span<byte> labelBytes = stackalloc byte[label.Length];
        System.Text.Encoding.ASCII.GetBytes(label, labelBytes);
        OpenSsl.ERR_clear_error();
        fixed (byte* output = destination)
        fixed (byte* l = labelBytes)
        {
            if (OpenSsl.SSL_export_keying_material(_ssl, output, (nuint)destination.Length, l, (nuint)labelBytes.Length, null, 0, 0) != 1)
            {
                throw new TlsSetupException($"TLS key export failed: {OpenSsl.TakeErrors()}");
            }
        }
    }

    private void RequireEstablished()
    {
        if (!IsEstablished)
        {
            throw new InvalidOperationException("the TLS handshake has not completed");
        }
    }

    private static string ProtocolName(int version) => version switch
    {
        OpenSsl.Tls12Version => "TLSv1.2",
        OpenSsl.Tls13Version => "TLSv1.3",
        _ => $"0x{version:x4}",
    };

    public void Dispose() => _ssl.Dispose();
}
