using Microsoft.Win32.SafeHandles;

namespace Checkpointctl.Core;

/// <summary>
/// Operating-system errors in Go's words (<c>open PATH: no such file or directory</c>), as upstream prints them:
/// never .NET's exception texts, always the path the user gave.
/// </summary>
public static class SystemErrors
{
    /// <summary><c>OP PATH: REASON</c> for an exception raised by a file operation, e.g. <c>open x: permission denied</c>.</summary>
    public static string Describe(string operation, string path, Exception error) =>
        $"{operation} {path}: {(error is DirectoryNotFoundException or FileNotFoundException && HasFileAncestor(path) ? Text(20) : Reason(error))}";

    /// <summary>Opens an input file for reading; a failure is a <see cref="CheckpointException"/> in Go's words.</summary>
    /// <param name="path">The file to open.</param>
    /// <param name="shownPath">The path the message names (as the user would know it); <paramref name="path"/> by default.</param>
    public static SafeFileHandle OpenRead(string path, string? shownPath = null)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(Describe("open", shownPath ?? path, e), e);
        }
    }

    /// <summary>Go's text for the errno behind <paramref name="error"/> (<c>syscall.Errno.Error()</c>).</summary>
    public static string Reason(Exception error) => error switch
    {
        FileNotFoundException or DirectoryNotFoundException => Text(2),
        UnauthorizedAccessException => Text(13),
        PathTooLongException => Text(36),
        IOException { HResult: > 0 and < 4096 } io => Text(io.HResult),
        _ => Text(5),
    };

    // .NET reports ENOTDIR (a file where a directory should be) as a missing directory.
    private static bool HasFileAncestor(string path)
    {
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir))
                return true;
        }
        return false;
    }

    /// <summary>Go's text for a Linux errno.</summary>
    public static string Text(int errno) => errno switch
    {
        1 => "operation not permitted",
        2 => "no such file or directory",
        5 => "input/output error",
        6 => "no such device or address",
        13 => "permission denied",
        16 => "device or resource busy",
        17 => "file exists",
        19 => "no such device",
        20 => "not a directory",
        21 => "is a directory",
        23 => "too many open files in system",
        24 => "too many open files",
        26 => "text file busy",
        27 => "file too large",
        28 => "no space left on device",
        30 => "read-only file system",
        31 => "too many links",
        32 => "broken pipe",
        36 => "file name too long",
        40 => "too many levels of symbolic links",
        122 => "disk quota exceeded",
        _ => $"errno {errno}",
    };
}
