using System.Runtime.InteropServices;
using Checkpointctl.Core;

namespace Checkpointctl.Cli;

/// <summary>
/// A requested output file, written atomically: into a new file next to the target, renamed over it only by
/// <see cref="Commit"/>. Created before any input is read, so an unwritable path fails first, in Go's words with the
/// user's path. A symlink, directory or device at the path is refused; Ctrl-C and SIGTERM remove the partial file.
/// </summary>
internal sealed class OutputFile : IDisposable
{
    private readonly string _path;
    private readonly string _target;
    private readonly string _temp;
    private readonly PosixSignalRegistration[] _signals;
    private FileStream _stream = null!;
    private bool _committed;

    // The signal handlers are in place before the file exists, so no moment leaves it behind.
    private OutputFile(string path, string target, string temp)
    {
        _path = path;
        _target = target;
        _temp = temp;
        _signals = [PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => DeleteTemp()), PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => DeleteTemp())];
    }

    /// <summary>Where the content goes until <see cref="Commit"/>.</summary>
    public Stream Stream => _stream;

    public static OutputFile Create(string path)
    {
        var full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        if (info.LinkTarget != null)
            throw new UsageException($"refusing to write to {path}: it is a symbolic link");
        if (Directory.Exists(full))
            throw new UsageException($"open {path}: {SystemErrors.Text(21)}");
        if (info.Exists && (info.Attributes & FileAttributes.Device) != 0)
            throw new UsageException($"refusing to write to {path}: it is not a regular file");
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var file = new OutputFile(path, full, temp);
        try
        {
            file._stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            return file;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file.Dispose();
            throw new UsageException(SystemErrors.Describe("open", path, e));
        }
    }

    /// <summary>Creates the file, lets <paramref name="write"/> fill it, and puts it in place.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        using var file = Create(path);
        try
        {
            write(file.Stream);
        }
        catch (IOException e)
        {
            // Input errors arrive as CheckpointExceptions; what is left is the output failing (e.g. a full disk).
            throw new UsageException(SystemErrors.Describe("write", path, e));
        }
        file.Commit();
    }

    /// <summary>Puts the complete file in place of the target.</summary>
    public void Commit()
    {
        try
        {
            _stream.Flush(flushToDisk: false);
            _stream.Dispose();
            File.Move(_temp, _target, overwrite: true);
            _committed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException(SystemErrors.Describe("write", _path, e));
        }
    }

    public void Dispose()
    {
        foreach (var s in _signals)
            s.Dispose();
        _stream?.Dispose();
        if (!_committed)
            DeleteTemp();
    }

    private void DeleteTemp()
    {
        try
        {
            File.Delete(_temp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done about it while exiting.
        }
    }
}
