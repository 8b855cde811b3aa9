namespace SmartApi.Storage;

/// <summary>
/// The data directory and the files the server keeps in it (the SQLite database with its WAL and
/// shared-memory files, the secrets key file) hold every tenant's data and secrets: they are
/// created readable by the server's own user only, the directory 0700 and files 0600. The mode is
/// set explicitly after creation, so the process umask cannot loosen it. On Windows nothing is
/// changed: files there inherit the ACL of their directory.
/// </summary>
public static class OwnerOnlyFiles
{
    /// <summary>rwx for the owner, nothing for group and others.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>rw for the owner, nothing for group and others.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupAndOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates the directory (and missing parents) owner-only; an existing one is left as it is.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        if (Directory.Exists(path))
        {
            return;
        }
        Directory.CreateDirectory(path, DirectoryMode);
        File.SetUnixFileMode(path, DirectoryMode);
    }

    /// <summary>Creates an empty owner-only file unless one exists (another process may win the race: fine).</summary>
    public static void CreateFile(string path)
    {
        if (File.Exists(path))
        {
            return;
        }
        try
        {
            var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = FileMode;
            }
            using (new FileStream(path, options))
            {
            }
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, FileMode);
            }
        }
        catch (IOException) when (File.Exists(path))
        {
        }
    }

    /// <summary>Whether group or others have any access to this existing file or directory.</summary>
    public static bool IsOpenToOthers(string path) =>
        !OperatingSystem.IsWindows() && Path.Exists(path) && (File.GetUnixFileMode(path) & GroupAndOthers) != 0;

    /// <summary>Takes group and other access away from an existing file; true when it had any.</summary>
    public static bool Tighten(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return false;
        }
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupAndOthers) == 0)
        {
            return false;
        }
        File.SetUnixFileMode(path, mode & ~GroupAndOthers);
        return true;
    }
}
