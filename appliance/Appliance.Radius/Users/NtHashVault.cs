using System.Security.Cryptography;
using System.Text;
using Appliance.Protocols.Radius;

namespace Appliance.Radius.Users;

/// <summary>
/// Keeps NT hashes encrypted at rest. An NT hash is password-equivalent for MSCHAPv2 (RFC 2759: anyone holding it
/// can log in), so a copy of users.db alone must not give it away. Each hash is sealed with AES-256-GCM under a key
/// kept apart in DATA_DIR/keys/users.key (32 random octets, mode 0600, directory 0700), with a random 96-bit nonce
/// per record and the user name as associated data, so a sealed hash moved to another user's row does not open.
/// Sealed form: version (1) ‖ nonce (12) ‖ ciphertext (16) ‖ tag (16).
/// </summary>
internal sealed class NtHashVault
{
    public const string KeyDirectory = "keys";
    public const string KeyFileName = "users.key";
    public const int SealedLength = 1 + NonceLength + Md4.HashSize + TagLength;
    private const int KeyLength = 32;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const byte Version = 1;
    private readonly byte[] _key;

    private NtHashVault(byte[] key, string keyPath)
    {
        _key = key;
        KeyPath = keyPath;
    }

    public string KeyPath { get; }

    public static string KeyPathIn(string dataDir) => Path.Combine(dataDir, KeyDirectory, KeyFileName);

    /// <summary>The vault with the existing key, or null when there is no key file yet.</summary>
    /// <exception cref="UserStoreException">The key file cannot be read or is not 32 octets.</exception>
    public static NtHashVault? Load(string keyPath)
    {
        try
        {
            var key = File.ReadAllBytes(keyPath);
            return key.Length == KeyLength ? new NtHashVault(key, keyPath)
                : throw new UserStoreException($"NT-hash key {keyPath}: is {key.Length} octets, not {KeyLength}; it is damaged or not this file");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserStoreException($"NT-hash key {keyPath}: cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>The existing key, or a new one written 0600 in a 0700 directory (another process may win the race; its key is used).</summary>
    /// <exception cref="UserStoreException">The key cannot be read or written.</exception>
    public static NtHashVault LoadOrCreate(string keyPath)
    {
        if (Load(keyPath) is { } existing)
        {
            return existing;
        }

        var key = RandomNumberGenerator.GetBytes(KeyLength);
        try
        {
            using (var file = PrivateFile.CreateNew(keyPath))
            {
                file.Write(key);
                file.Flush(flushToDisk: true);
            }

            return new NtHashVault(key, keyPath);
        }
        catch (IOException) when (File.Exists(keyPath))
        {
            return Load(keyPath) ?? throw new UserStoreException($"NT-hash key {keyPath}: vanished while being created");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserStoreException($"NT-hash key {keyPath}: cannot be created: {ex.Message}", ex);
        }
    }

    public byte[] Seal(ReadOnlySpan<byte> ntHash, string userName)
    {
        var sealedHash = new byte[SealedLength];
        sealedHash[0] = Version;
        var nonce = sealedHash.AsSpan(1, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagLength);
        aes.Encrypt(nonce, ntHash, sealedHash.AsSpan(1 + NonceLength, Md4.HashSize), sealedHash.AsSpan(SealedLength - TagLength), Encoding.UTF8.GetBytes(userName));
        return sealedHash;
    }

    /// <summary>False when the record was not sealed by this key for this user (a wrong key file, a row copied between users, damage).</summary>
    public bool TryOpen(ReadOnlySpan<byte> sealedHash, string userName, Span<byte> ntHash)
    {
        if (sealedHash.Length != SealedLength || sealedHash[0] != Version)
        {
            return false;
        }

        try
        {
            using var aes = new AesGcm(_key, TagLength);
            aes.Decrypt(sealedHash.Slice(1, NonceLength), sealedHash.Slice(1 + NonceLength, Md4.HashSize), sealedHash[(SealedLength - TagLength)..],
                ntHash, Encoding.UTF8.GetBytes(userName));
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(ntHash);
            return false;
        }
    }

    /// <summary>RFC 2759 §8.3 NtPasswordHash: MD4 of the password in UTF-16LE (the Unicode password MSCHAPv2 clients send).</summary>
    public static byte[] NtHashOf(string password)
    {
        var unicode = Encoding.Unicode.GetBytes(password);
        var hash = new byte[Md4.HashSize];
        Md4.HashData(unicode, hash);
        CryptographicOperations.ZeroMemory(unicode);
        return hash;
    }
}
