using System.Text;
using Appliance.Protocols.Radius;
using Appliance.Radius.Users;

namespace Appliance.Radius.Tests;

/// <summary>A user store in memory for the server's tests: cleartext passwords, NT hashes made on the fly.</summary>
internal sealed class TestDirectory : IUserDirectory
{
    private readonly Dictionary<string, (string Password, DirectoryUser User, CredentialOutcome Refusal)> _users = new(StringComparer.Ordinal);

    public int Checks { get; private set; }

    /// <summary>Checks that ended in Accepted.</summary>
    public int Accepted { get; private set; }

    public TestDirectory Add(string name, string password, string group = "staff", UserKind kind = UserKind.Staff, DateTimeOffset? expires = null,
        CredentialOutcome refusal = CredentialOutcome.Accepted)
    {
        _users[name] = (password, new DirectoryUser(name, kind, group, null, expires), refusal);
        return this;
    }

    public CredentialCheck CheckPassword(string userName, ReadOnlySpan<byte> password)
    {
        var given = Encoding.UTF8.GetString(password);
        return Check(userName, entry => entry.Password == given);
    }

    public CredentialCheck CheckNtHash(string userName, NtHashCheck check) => Check(userName, entry =>
    {
        Span<byte> hash = stackalloc byte[16];
        MsChapV2.NtPasswordHash(entry.Password, hash);
        return check(hash);
    });

    public string? GroupOf(string userName) => _users.TryGetValue(userName, out var entry) ? entry.User.Group : null;

    private CredentialCheck Check(string userName, Func<(string Password, DirectoryUser User, CredentialOutcome Refusal), bool> verify)
    {
        Checks++;
        if (!_users.TryGetValue(userName.ToLowerInvariant(), out var entry))   // the store canonicalises names
        {
            return new(CredentialOutcome.UnknownUser, null);
        }

        if (entry.Refusal != CredentialOutcome.Accepted)
        {
            return new(entry.Refusal, null);
        }

        if (!verify(entry))
        {
            return new(CredentialOutcome.WrongPassword, null);
        }

        Accepted++;
        return new(CredentialOutcome.Accepted, entry.User);
    }
}
