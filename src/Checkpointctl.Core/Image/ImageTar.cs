using System.Formats.Tar;
using Checkpointctl.Core.Archive;

namespace Checkpointctl.Core.Image;

/// <summary>What the image readers share about tar entries: safe names, regular files, and tar errors in the archive reader's words.</summary>
internal static class ImageTar
{
    /// <exception cref="InvalidCheckpointException">The name could escape the image (absolute, <c>..</c>, NUL).</exception>
    public static string Name(TarEntry entry, string path) =>
        MemberName.Normalize(entry.Name)
        ?? throw new InvalidCheckpointException($"{path}: unsafe member name in archive: \"{ImageJson.Printable(entry.Name)}\"");

    public static bool IsRegular(TarEntry entry) =>
        entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile;

    public static T Guard<T>(string path, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidCheckpointException($"{path}: unexpected EOF", e);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or OverflowException or ArgumentException
                                       or NotSupportedException or InvalidOperationException)
        {
            throw new InvalidCheckpointException($"{path}: archive/tar: invalid tar header", e);
        }
        catch (DecompressionException e)
        {
            throw new InvalidCheckpointException($"{path}: {e.Message}", e);
        }
        catch (IOException e) when (e is not EndOfStreamException)
        {
            throw new CheckpointException(SystemErrors.Describe("read", path, e), e);
        }
    }
}
