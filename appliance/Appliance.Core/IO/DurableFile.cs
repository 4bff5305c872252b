namespace Appliance.Core.IO;

/// <summary>Small state files (settings the LA pushed, list pointers) replaced whole or not at all.</summary>
public static class DurableFile
{
    /// <summary>
    /// Writes <paramref name="content"/> to a temporary file beside <paramref name="path"/>, forces it to disk, then
    /// renames it over the old one (rename is atomic on one file system): a power cut leaves the old file or the new
    /// one, never half of either. Readable by the owner only, as these files may name internal hosts.
    /// </summary>
    /// <exception cref="IOException">The disk is full or not writable; the old file is untouched.</exception>
    public static void Replace(string path, ReadOnlySpan<byte> content)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
