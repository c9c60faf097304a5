using Checkpointctl.Core.Criu.Images;

namespace Checkpointctl.Core.Model;

/// <summary>An open file descriptor of a process, or its cwd/root (<see cref="Fd"/> null).</summary>
/// <param name="Type">The fd type name (<c>REG</c>, <c>PIPE</c>, …), empty for cwd and root.</param>
/// <param name="FdLabel">Upstream's label: <c>REG 0</c>, <c>cwd</c>, <c>root</c>.</param>
/// <param name="Path">The path (or upstream's description of a non-file fd), never with a suffix.</param>
/// <param name="Deleted">The file was deleted while open (CRIU dumped it with a ghost or link remap).</param>
/// <param name="Fd">The fd number, or null for cwd and root.</param>
/// <param name="FileId">The file's ID in <c>files.img</c>.</param>
public sealed record OpenFile(int? Fd, string Type, string FdLabel, string Path, uint FileId, bool Deleted = false)
{
    /// <summary>The path as trees show it: a deleted file gets <c> (deleted)</c>, as its /proc link does.</summary>
    public string DisplayPath => Deleted ? Path + " (deleted)" : Path;
}

/// <summary>Resolves a process's fds through ids → fdinfo → files.img (reference §6.5).</summary>
public static class OpenFiles
{
    /// <summary>Files sorted by fd number, then <c>cwd</c> and <c>root</c>.</summary>
    public static IReadOnlyList<OpenFile> Of(CriuImages images, uint pid)
    {
        var ids = images.Ids(pid);
        var files = images.Files();
        var deleted = DeletedFileIds(images);
        var result = new List<OpenFile>();
        foreach (var fd in images.Fdinfo(ids.FilesId).OrderBy(f => f.Fd))
        {
            var type = FdTypeName(fd.Type);
            files.TryGetValue(fd.Id, out var file);
            var isDeleted = fd.Type == FdTypes.Reg && file?.Reg != null && deleted.Contains(fd.Id);
            result.Add(new OpenFile((int)fd.Fd, type, $"{type} {fd.Fd}", Describe(fd, file), fd.Id, isDeleted));
        }
        if (images.Has($"fs-{pid}.img"))
        {
            var fs = images.Fs(pid);
            result.Add(new OpenFile(null, "", "cwd", RegName(files, fs.CwdId), fs.CwdId, IsDeletedReg(files, fs.CwdId, deleted)));
            result.Add(new OpenFile(null, "", "root", RegName(files, fs.RootId), fs.RootId, IsDeletedReg(files, fs.RootId, deleted)));
        }
        return result;
    }

    /// <summary>The name CRIU gives the fd type, or <c>UNKNOWN(n)</c> for a type newer than this schema.</summary>
    public static string FdTypeName(FdTypes type) =>
        Enum.IsDefined(type) ? type.ToString().ToUpperInvariant() : $"UNKNOWN({(int)type})";

    private static string Describe(FdinfoEntry fd, FileEntry? file) => fd.Type switch
    {
        FdTypes.Reg => file?.Reg is { } reg ? reg.Name : "unknown",
        FdTypes.Pipe => file?.Pipe is { } pipe ? $"pipe[{pipe.PipeId}]" : "pipe[?]",
        FdTypes.Unixsk => file?.Usk is { } usk ? $"unix[{usk.Ino} ({usk.Peer}) {UnixName(usk.Name.Span)}]" : "unix[?]",
        _ => $"{FdTypeName(fd.Type)}.{fd.Id}",
    };

    private static string RegName(IReadOnlyDictionary<uint, FileEntry> files, uint id) =>
        files.TryGetValue(id, out var f) && f.Reg is { } reg ? reg.Name : "unknown";

    private static bool IsDeletedReg(IReadOnlyDictionary<uint, FileEntry> files, uint id, HashSet<uint> deleted) =>
        deleted.Contains(id) && files.TryGetValue(id, out var f) && f.Reg != null;

    /// <summary>A unix socket name without NUL bytes; an abstract name (leading NUL) is shown as <c>@name</c>.</summary>
    public static string UnixName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
            return "";
        var text = System.Text.Encoding.UTF8.GetString(name[0] == 0 ? name[1..] : name).Replace("\0", "", StringComparison.Ordinal);
        return name[0] == 0 ? "@" + text : text;
    }

    // Files that were deleted while open have a ghost or link remap (remap-fpath.img).
    private static HashSet<uint> DeletedFileIds(CriuImages images)
    {
        var ids = new HashSet<uint>();
        if (!images.Has("remap-fpath.img"))
            return ids;
        foreach (var remap in images.RemapFilePaths())
        {
            if (remap.RemapType is RemapType.Ghost or RemapType.Linked)
                ids.Add(remap.OrigId);
        }
        return ids;
    }
}
