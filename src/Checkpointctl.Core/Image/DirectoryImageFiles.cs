using Checkpointctl.Core.Archive;
using Microsoft.Win32.SafeHandles;

namespace Checkpointctl.Core.Image;

/// <summary>
/// The files of an image directory (OCI layout directory): each name is checked (relative, no <c>..</c>), no part
/// of its path may be a link, and only regular files are opened; files are read in place.
/// </summary>
internal sealed class DirectoryImageFiles(string path) : ImageFiles(path, isDirectory: true)
{
    private readonly string _root = System.IO.Path.GetFullPath(path);
    private readonly List<SafeFileHandle> _handles = [];

    public override bool Exists(string name) => Locate(name) is { } full && File.Exists(full) && FileKind.IsRegularFileOrDirectory(full);

    public override long SizeOf(string name) => Exists(name) ? new FileInfo(Locate(name)!).Length : throw Missing(name);

    public override RandomAccessData Open(string name)
    {
        var full = Locate(name) ?? throw Missing(name);
        if (!File.Exists(full))
            throw Missing(name);
        if (!FileKind.IsRegularFileOrDirectory(full))
            throw new InvalidCheckpointException($"{Path}: {name} is not a regular file");
        var handle = SystemErrors.OpenRead(full, System.IO.Path.Combine(Path, name));
        lock (_handles)
            _handles.Add(handle);
        return new FileSegmentData(handle, 0, RandomAccess.GetLength(handle), BytesRead);
    }

    public override void Dispose()
    {
        lock (_handles)
        {
            foreach (var h in _handles)
                h.Dispose();
            _handles.Clear();
        }
    }

    // The file's full path, or null when the name is unsafe or missing; a link anywhere on the way is an error.
    private string? Locate(string name)
    {
        if (MemberName.Normalize(name) != name || name.Length == 0)
            return null;
        var full = _root;
        foreach (var segment in name.Split('/'))
        {
            full = System.IO.Path.Combine(full, segment);
            var info = new FileInfo(full);
            if (info.LinkTarget != null)
                throw Link(name);
            if (!info.Exists && !Directory.Exists(full))
                return null;
        }
        return full;
    }
}
