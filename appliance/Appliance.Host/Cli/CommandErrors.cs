using Appliance.Host.Configuration;

namespace Appliance.Host.Cli;

/// <summary>
/// How the CLI's commands report failure: one line on stderr naming the problem, exit 2 for what the user can fix
/// (configuration, arguments), exit 1 for what went wrong at run time (a store that cannot be read or written).
/// </summary>
internal static class CommandErrors
{
    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (ex is ConfigException or Appliance.Radius.Users.UserInputException)
        {
            Console.Error.WriteLine($"appliance: {ex.Message}");
            return ExitCodes.BadUsage;
        }
        catch (Exception ex) when (ex is Appliance.Policy.PolicyStoreException or Appliance.Journal.JournalException or Appliance.Radius.Users.UserStoreException)
        {
            Console.Error.WriteLine($"appliance: {ex.Message}");
            return ExitCodes.RuntimeFailure;
        }
    }
}
