namespace Appliance.Radius.Users;

/// <summary>
/// The user store cannot do its work: the database is corrupt, foreign or cannot be written (a full disk), or the
/// NT-hash key is missing or wrong. The message names the file. Nothing stored before is lost.
/// </summary>
public sealed class UserStoreException : Exception
{
    public UserStoreException()
    {
    }

    public UserStoreException(string message)
        : base(message)
    {
    }

    public UserStoreException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>What someone asked for is not valid (a bad user name, a weak password, a guest without a sponsor…); the message names the field and the problem.</summary>
public sealed class UserInputException : Exception
{
    public UserInputException()
    {
    }

    public UserInputException(string message)
        : base(message)
    {
    }

    public UserInputException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
