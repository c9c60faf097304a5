using System.Runtime.InteropServices;

namespace Checkpointctl.Core.Archive;

/// <summary>
/// The type of a file system object. .NET reports FIFOs and devices as ordinary files, and merely opening a FIFO
/// blocks until a writer appears, so the type is asked of the kernel (statx, whose layout is the same on every
/// Linux architecture) before anything is opened.
/// </summary>
internal static partial class FileKind
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;
    private const ushort TypeMask = 0xF000;
    private const ushort Regular = 0x8000;
    private const ushort Directory = 0x4000;

    /// <summary>True when <paramref name="path"/> (links followed) is a regular file or a directory; true too where it cannot be asked.</summary>
    public static bool IsRegularFileOrDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
            return true;
        Span<byte> buffer = stackalloc byte[256];
        int result;
        try
        {
            result = Statx(AtFdCwd, path, 0, StatxType, ref MemoryMarshal.GetReference(buffer));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return true;
        }
        if (result != 0)
            return true;
        var type = (ushort)(BitConverter.ToUInt16(buffer[ModeOffset..]) & TypeMask);
        return type is Regular or Directory;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);
}
