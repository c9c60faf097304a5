using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu.Images;
using Microsoft.Win32.SafeHandles;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>
/// The container's files, read from a root file system the user named (<c>--rootfs</c>): a path of the checkpoint is
/// resolved inside it as if it were <c>/</c> (symbolic links included, never leading out of it), and a file is used
/// only if it is the one the checkpoint mapped: same size, and same GNU build-id when the checkpoint recorded one.
/// </summary>
internal sealed class RootFileSystem : IDisposable
{
    private const int MaxLinks = 40;

    private readonly string _root;
    private readonly Dictionary<uint, MappedFile> _files = [];

    public RootFileSystem(string root) => _root = Path.GetFullPath(root);

    /// <summary>The file behind a REG entry of <c>files.img</c>; check <see cref="MappedFile.Handle"/> for whether it is usable.</summary>
    public MappedFile Find(RegFileEntry reg)
    {
        if (_files.TryGetValue(reg.Id, out var found))
            return found;
        found = Open(reg);
        _files[reg.Id] = found;
        return found;
    }

    public void Dispose()
    {
        foreach (var f in _files.Values)
            f.Handle?.Dispose();
    }

    private MappedFile Open(RegFileEntry reg)
    {
        if (Resolve(reg.Name) is not { } path)
            return new MappedFile(reg.Name, null, "not found in the rootfs");
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new MappedFile(reg.Name, null, $"cannot be read in the rootfs ({SystemErrors.Reason(e)})");
        }
        var size = RandomAccess.GetLength(handle);
        string? mismatch = null;
        if (reg.HasSize && (ulong)size != reg.Size)
            mismatch = $"is {size} bytes in the rootfs, {reg.Size} in the checkpoint";
        else if (reg.BuildId.Count > 0 && !SameBuildId(ElfBuildId.Read(handle), reg))
            mismatch = "has another build-id in the rootfs";
        if (mismatch == null)
            return new MappedFile(reg.Name, handle, null);
        handle.Dispose();
        return new MappedFile(reg.Name, null, mismatch);
    }

    // CRIU stores the build-id as u32 words taken from the note's bytes in host (little-endian) order.
    private static bool SameBuildId(byte[]? id, RegFileEntry reg)
    {
        if (id == null)
            return false;
        var recorded = new byte[reg.BuildId.Count * 4];
        for (var i = 0; i < reg.BuildId.Count; i++)
            BitConverter.TryWriteBytes(recorded.AsSpan(4 * i), reg.BuildId[i]);
        var padded = new byte[(id.Length + 3) & ~3];
        id.CopyTo(padded, 0);
        return padded.AsSpan().SequenceEqual(recorded);
    }

    // Resolves an absolute path of the container inside the root: ".." stops at the root, links are followed with
    // absolute targets taken from the root. Returns the host path of a regular file, or null.
    private string? Resolve(string containerPath)
    {
        var pending = new Stack<string>(containerPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = new List<string>();
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (current.Count > 0)
                    current.RemoveAt(current.Count - 1);
                continue;
            }
            var candidate = Path.Join(_root, string.Join('/', current), part);
            FileSystemInfo info = new FileInfo(candidate);
            if (!info.Exists)
                info = new DirectoryInfo(candidate);
            if (!info.Exists && info.LinkTarget == null)
                return null;
            if (info.LinkTarget is { } target)
            {
                if (++links > MaxLinks)
                    return null;
                if (target.StartsWith('/'))
                    current.Clear();
                foreach (var p in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                    pending.Push(p);
                continue;
            }
            current.Add(part);
        }
        var path = Path.Join(_root, string.Join('/', current));
        return File.Exists(path) && new FileInfo(path).LinkTarget == null && FileKind.IsRegularFileOrDirectory(path) ? path : null;
    }
}

/// <summary>A mapped file of the checkpoint: its handle in the rootfs when usable, else why not.</summary>
internal sealed record MappedFile(string Name, SafeFileHandle? Handle, string? Problem)
{
    /// <summary>Fills <paramref name="page"/> from the file at <paramref name="offset"/>; past the end of the file reads as zeros (as the kernel maps it).</summary>
    public void Read(long offset, Span<byte> page)
    {
        var n = 0;
        while (n < page.Length)
        {
            var read = RandomAccess.Read(Handle!, page[n..], offset + n);
            if (read <= 0)
                break;
            n += read;
        }
        page[n..].Clear();
    }
}
