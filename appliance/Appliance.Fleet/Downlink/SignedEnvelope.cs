using System.Security.Cryptography;
using System.Text.Json;

namespace Appliance.Fleet.Downlink;

/// <summary>
/// What the LA sends down (desired state, commands) is signed, so that a leaked broker credential cannot command
/// schools: <c>{"kid":…,"payload":base64url(JSON),"sig":base64url(ECDSA P-256 / SHA-256, IEEE P1363)}</c>. The
/// signed payload names its target (LA, school, appliance) and its type, so a message signed for one box or one
/// purpose is refused by any other. BCL ECDSA: no dependency, and the same key type the list signatures use.
/// </summary>
public static class SignedEnvelope
{
    /// <summary>Signs <paramref name="payload"/> (UTF-8 JSON) with the LA's private key.</summary>
    public static byte[] Sign(ReadOnlySpan<byte> payload, ECDsa key, string keyId)
    {
        var signature = key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kid", keyId);
            w.WriteString("payload", Base64Url.Encode(payload));
            w.WriteString("sig", Base64Url.Encode(signature));
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The verified payload.</summary>
    /// <exception cref="SignatureException">Not an envelope, or the signature does not verify with <paramref name="key"/>.</exception>
    public static byte[] Open(ReadOnlySpan<byte> envelope, ECDsa key)
    {
        byte[] payload;
        byte[] signature;
        try
        {
            using var document = JsonDocument.Parse(envelope.ToArray());
            var root = document.RootElement;
            payload = Base64Url.Decode(root.GetProperty("payload").GetString() ?? "");
            signature = Base64Url.Decode(root.GetProperty("sig").GetString() ?? "");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new SignatureException($"not a signed envelope ({ex.Message})", ex);
        }

        if (!key.VerifyData(payload, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            throw new SignatureException("the signature does not verify with the LA's command key");
        }

        return payload;
    }

    private static class Base64Url
    {
        public static string Encode(ReadOnlySpan<byte> data) => System.Buffers.Text.Base64Url.EncodeToString(data);

        public static byte[] Decode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
    }
}

/// <summary>A downlink message failed verification; the message says why (it is logged and audited, never acted on).</summary>
public sealed class SignatureException : Exception
{
    public SignatureException()
    {
    }

    public SignatureException(string message)
        : base(message)
    {
    }

    public SignatureException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
