using Appliance.Radius.Users;

namespace Appliance.Radius.Tests.Users;

public sealed class UserRulesTests
{
    [Theory]
    [InlineData("J.Smith", "j.smith")]
    [InlineData("ÉLODIE.B", "élodie.b")]
    [InlineData("jo+wifi@school.example", "jo+wifi@school.example")]
    public void Canonicalize_ValidName_IsLowerCase(string name, string expected) => Assert.Equal(expected, UserNames.Canonicalize(name));

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("a b", "holds a space")]
    [InlineData("a\u0000b", "control character")]
    [InlineData("a\u007fb", "control character")]
    [InlineData("school\\jo", "RFC 7542")]
    [InlineData("jo,smith", "RFC 7542")]
    [InlineData(".jo", "dot")]
    [InlineData("jo..smith", "dot")]
    [InlineData("@realm", "'@'")]
    [InlineData("a@b@c", "'@'")]
    public void Canonicalize_InvalidName_SaysWhy(string name, string expected)
    {
        var error = Assert.Throws<UserInputException>(() => UserNames.Canonicalize(name));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u0000', error.Message);
    }

    [Fact]
    public void Canonicalize_Over253Octets_IsRefused()
    {
        Assert.Equal(253, UserNames.Canonicalize(new string('a', 253)).Length);
        Assert.Contains("253 octets", Assert.Throws<UserInputException>(() => UserNames.Canonicalize(new string('é', 127))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UserKind.Pupil, "seven77", "at least 8")]
    [InlineData(UserKind.Staff, "elevenchars", "at least 12")]
    [InlineData(UserKind.Pupil, "Password1", "most common")]
    [InlineData(UserKind.Pupil, "xxj.smithxx", "user name")]
    [InlineData(UserKind.Pupil, "tab\there-ok", "control character")]
    public void Check_WeakPassword_SaysWhy(UserKind kind, string password, string expected)
    {
        var error = Assert.Throws<UserInputException>(() => PasswordRules.Check("j.smith", kind, password, new PasswordPolicy()));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_TooLongForPap_IsRefused()
    {
        Assert.Contains("128 octets", Assert.Throws<UserInputException>(() => PasswordRules.Check("j", UserKind.Pupil, new string('x', 129), new PasswordPolicy())).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_UsesOnlyUnambiguousCharacters_AndDiffers()
    {
        var passwords = Enumerable.Range(0, 50).Select(_ => PasswordRules.Generate()).ToList();

        Assert.All(passwords, p => Assert.Equal(10, p.Length));
        Assert.All(passwords, p => Assert.DoesNotContain(p, c => "0o1lI5S".Contains(c, StringComparison.Ordinal)));
        Assert.Equal(50, passwords.Distinct().Count());
    }
}
