using System.Runtime.InteropServices;

namespace Checkpointctl.Cli;

/// <summary>
/// Writes a requested output file atomically: into a new file next to the target, renamed over it only when the
/// whole write succeeded. A symlink, directory or device at the path is refused; Ctrl-C and SIGTERM remove the
/// partial file.
/// </summary>
internal static class OutputFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        if (info.LinkTarget != null)
            throw new UsageException($"refusing to write to {path}: it is a symbolic link");
        if (Directory.Exists(full))
            throw new UsageException($"refusing to write to {path}: it is a directory");
        if (info.Exists && (info.Attributes & FileAttributes.Device) != 0)
            throw new UsageException($"refusing to write to {path}: it is not a regular file");
        var dir = Path.GetDirectoryName(full)!;
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        void Cleanup() => File.Delete(temp);
        ConsoleCancelEventHandler onCancel = (_, _) => Cleanup();
        Console.CancelKeyPress += onCancel;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Cleanup());
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: false);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            Cleanup();
            throw;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
