using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Appliance.Radius.Certificates;

/// <summary>
/// Reading and writing the PEM files, with every failure turned into a <see cref="RadiusCertificateException"/> that
/// names the file. Private keys are written with mode 0600 into a 0700 directory, and nothing is ever overwritten:
/// a file is written under a temporary name and moved into place only if the name is still free.
/// </summary>
internal static class PemFiles
{
    public const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PublicFileMode = PrivateFileMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Every CERTIFICATE block in the file, in order (a server certificate followed by its chain, or a chain).</summary>
    public static X509Certificate2Collection ReadCertificates(string path)
    {
        var text = ReadText(path);
        var certificates = new X509Certificate2Collection();
        try
        {
            foreach (var block in Blocks(text))
            {
                if (block.Label == "CERTIFICATE")
                {
                    certificates.Add(X509CertificateLoader.LoadCertificate(block.Der));
                }
            }
        }
        catch (CryptographicException ex)
        {
            throw new RadiusCertificateException($"{path}: a CERTIFICATE block is corrupt ({ex.Message})", ex);
        }

        return certificates.Count > 0 ? certificates : throw new RadiusCertificateException($"{path}: no PEM CERTIFICATE block found");
    }

    /// <summary>The private key in the file: PKCS#8 "PRIVATE KEY", or the traditional "RSA PRIVATE KEY" / "EC PRIVATE KEY".</summary>
    public static AsymmetricAlgorithm ReadPrivateKey(string path)
    {
        var text = ReadText(path);
        foreach (var block in Blocks(text))
        {
            switch (block.Label)
            {
                case "ENCRYPTED PRIVATE KEY":
                    throw new RadiusCertificateException($"{path}: the key is encrypted; the service starts unattended, so store it unencrypted (mode 0600)");
                case "PRIVATE KEY":
                    return ImportKey(path, block.Label, k => k.ImportPkcs8PrivateKey(block.Der, out _), e => e.ImportPkcs8PrivateKey(block.Der, out _));
                case "RSA PRIVATE KEY":
                    return ImportKey(path, block.Label, k => k.ImportRSAPrivateKey(block.Der, out _), null);
                case "EC PRIVATE KEY":
                    return ImportKey(path, block.Label, null, e => e.ImportECPrivateKey(block.Der, out _));
            }
        }

        throw new RadiusCertificateException($"{path}: no PEM PRIVATE KEY block found");
    }

    /// <summary>Creates the directory with mode 0700, or checks that an existing one is not open to others.</summary>
    public static void EnsurePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        Directory.CreateDirectory(directory, PrivateDirectoryMode);
        if ((File.GetUnixFileMode(directory) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.OtherRead | UnixFileMode.OtherExecute)) != 0)
        {
            File.SetUnixFileMode(directory, PrivateDirectoryMode);   // it holds private keys: nobody else lists or swaps them
        }
    }

    /// <summary>Writes a new file; throws if <paramref name="path"/> exists (never overwrite a key or a CA).</summary>
    public static void WriteNew(string path, string text, bool isPrivate)
    {
        var temporary = $"{path}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = isPrivate ? PrivateFileMode : PublicFileMode;   // the key is never readable by others, not even briefly
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(Encoding.ASCII.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException ex)
        {
            File.Delete(temporary);
            throw new RadiusCertificateException($"{path}: could not be written ({ex.Message}); an existing file is never replaced", ex);
        }
    }

    public static string ExportPrivateKeyPem(AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => rsa.ExportPkcs8PrivateKeyPem(),
        ECDsa ecdsa => ecdsa.ExportPkcs8PrivateKeyPem(),
        _ => throw new NotSupportedException($"{key.GetType().Name} keys are not supported"),
    };

    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path, Encoding.ASCII);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RadiusCertificateException($"{path}: cannot be read ({ex.Message})", ex);
        }
    }

    private static AsymmetricAlgorithm ImportKey(string path, string label, Action<RSA>? asRsa, Action<ECDsa>? asEcdsa)
    {
        // PKCS#8 says which algorithm is inside; trying RSA, then EC, reads both without parsing the ASN.1 here.
        Exception? last = null;
        return (AsymmetricAlgorithm?)TryImport(RSA.Create, asRsa, ref last) ?? TryImport(ECDsa.Create, asEcdsa, ref last)
            ?? throw new RadiusCertificateException($"{path}: the {label} block is corrupt or not an RSA or EC key ({last?.Message})", last!);
    }

    private static T? TryImport<T>(Func<T> create, Action<T>? import, ref Exception? failure)
        where T : AsymmetricAlgorithm
    {
        if (import is null)
        {
            return null;
        }

        var key = create();
        try
        {
            import(key);
            return key;
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            failure = ex;
            return null;
        }
    }

    private static List<(string Label, byte[] Der)> Blocks(string text)
    {
        var blocks = new List<(string, byte[])>();
        var rest = text.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            var span = rest.Span;
            var der = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64Chars(span[fields.Base64Data], der, out var written))
            {
                throw new CryptographicException("bad base64");
            }

            blocks.Add((span[fields.Label].ToString(), der[..written]));
            rest = rest[fields.Location.End..];
        }

        return blocks;
    }
}
