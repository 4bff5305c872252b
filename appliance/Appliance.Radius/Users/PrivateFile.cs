namespace Appliance.Radius.Users;

/// <summary>Files only the appliance's user may read: the NT-hash key and the list of generated passwords.</summary>
public static class PrivateFile
{
    /// <summary>Creates <paramref name="path"/> mode 0600 (its directory 0700 if it has to be made); fails if the file exists, so nothing is overwritten.</summary>
    /// <exception cref="IOException">The file exists or cannot be created.</exception>
    public static FileStream CreateNew(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }
}
