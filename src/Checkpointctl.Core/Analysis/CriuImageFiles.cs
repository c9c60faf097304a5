using System.Buffers.Binary;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Crit;
using Checkpointctl.Core.Model;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Analysis;

/// <summary>An image of a checkpoint: its name in the CRIU image directory, crit's magic name (or what a raw image holds) and size.</summary>
public sealed record CriuImageFile(string Name, string Magic, long Size);

/// <summary>
/// The CRIU images inside any checkpoint shape, read in place (<c>image</c>): one decoded as <c>crit show</c> prints it,
/// or the list of all with their magics. Each image is read only as far as needed (a raw pages file: its first bytes).
/// </summary>
public static class CriuImageFiles
{
    private const int HeadBytes = 8;

    // CRIU's service files live in its work directory, which engines put beside checkpoint/.
    private static readonly string[] ServiceFiles = [ArchiveLayout.StatsDump, "stats-restore", "irmap-cache"];

    /// <summary>
    /// The archive member of an image name as the CRIU image directory names it (<c>core-1.img</c>; <c>checkpoint/core-1.img</c>
    /// is accepted too); null for a name that is not one (a path outside the image directory).
    /// </summary>
    public static string? MemberName(string name)
    {
        var image = name.StartsWith(ArchiveLayout.CheckpointPrefix, StringComparison.Ordinal) ? name[ArchiveLayout.CheckpointPrefix.Length..] : name;
        if (image.Length == 0 || image.Contains('/') || image is "." or ".." || image.Contains('\0'))
            return null;
        return ArchiveLayout.Image(image);
    }

    /// <summary>Each named image as <c>crit show</c> prints it (JSON and a newline), in the order named.</summary>
    /// <param name="input">The checkpoint.</param>
    /// <param name="names">The images, by name (<c>core-1.img</c>, or <c>checkpoint/core-1.img</c>).</param>
    /// <param name="containers">Of a pod checkpoint, the one container to read (needed when it has several).</param>
    /// <exception cref="CheckpointException">A missing image, a raw or unknown one, or a malformed one.</exception>
    public static IReadOnlyList<string> Show(CheckpointInput input, IReadOnlyList<string> names, IReadOnlyList<string>? containers = null)
    {
        var members = names.Select(n => MemberName(n) ?? throw new CheckpointException($"invalid image name \"{n}\": name an image of the CRIU image directory, e.g. core-1.img")).ToList();
        // Names as the pass meets them: below a container's directory in a pod archive.
        var read = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        var wanted = members.Concat(members.Select(ServiceName).OfType<string>()).Distinct().ToList();
        var request = new ArchiveRequest
        {
            Consumers = wanted.Select(m => new MemberConsumer(m, (member, stream, _) => read[member.Name] = ReadImage(member, stream))).ToList(),
            RequireCheckpointDirectory = false,
        };
        using var set = CheckpointSet.Open(input, request, PagesPlan.None, containers);
        var root = set.Single();
        var documents = new List<string>();
        for (var i = 0; i < members.Count; i++)
        {
            var member = read.ContainsKey(root.Root + members[i]) ? members[i]
                : ServiceName(members[i]) is { } service && read.ContainsKey(root.Root + service) ? service : null;
            if (member == null)
                throw new MissingCheckpointDataException($"error opening binary file: open {members[i]}: no such file or directory");
            var name = member.StartsWith(ArchiveLayout.CheckpointPrefix, StringComparison.Ordinal) ? member[ArchiveLayout.CheckpointPrefix.Length..] : member;
            documents.Add(CritShow.Render(name, read[root.Root + member]));
        }
        return documents;
    }

    /// <summary>Every image of the checkpoint's image directory (and CRIU's service files beside it), sorted by name.</summary>
    /// <param name="input">The checkpoint.</param>
    /// <param name="containers">Of a pod checkpoint, the one container to read (needed when it has several).</param>
    public static IReadOnlyList<CriuImageFile> List(CheckpointInput input, IReadOnlyList<string>? containers = null)
    {
        var heads = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var request = new ArchiveRequest
        {
            Consumers =
            [
                new MemberConsumer(ArchiveLayout.Image("*"), (member, stream, _) => heads[member.Name] = Head(stream)),
                .. ServiceFiles.Select(f => new MemberConsumer(f, (member, stream, _) => heads[member.Name] = Head(stream))),
            ],
            NeedIndex = true,
        };
        using var set = CheckpointSet.Open(input, request, PagesPlan.None, containers);
        var root = set.Single();
        return root.Pages.Archive.Members
            .Where(m => m.Name.StartsWith(ArchiveLayout.CheckpointPrefix, StringComparison.Ordinal) || ServiceFiles.Contains(m.Name))
            .Select(m =>
            {
                var name = m.Name.StartsWith(ArchiveLayout.CheckpointPrefix, StringComparison.Ordinal) ? m.Name[ArchiveLayout.CheckpointPrefix.Length..] : m.Name;
                return new CriuImageFile(name, Describe(name, heads.GetValueOrDefault(root.Root + m.Name, [])), m.Size);
            })
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>crit's magic name, or what a raw image (no magic) holds by CRIU's naming, or <c>-</c> for other files.</summary>
    public static string Describe(string name, ReadOnlySpan<byte> head)
    {
        if (CritShow.TypeMagic(head) is { } magic && magic != CriuMagic.RawImage && CriuMagic.NameOf(magic) is { } known)
            return known;
        foreach (var (prefix, kind) in RawImages)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".img", StringComparison.Ordinal))
                return kind;
        }
        return "-";
    }

    private static readonly (string Prefix, string Kind)[] RawImages =
    [
        ("pages-", "PAGES (raw)"), ("amdgpu-", "AMDGPU plugin"), ("tmpfs-dev-", "TMPFS_DEV (raw, tar.gz)"), ("tmpfs-", "TMPFS (raw, tar.gz)"),
        ("ifaddr-", "IFADDR (raw)"), ("route6-", "ROUTE6 (raw)"), ("route-", "ROUTE (raw)"), ("rule-", "RULE (raw)"),
        ("ip6tables-", "IP6TABLES (raw)"), ("iptables-", "IPTABLES (raw)"), ("nftables-", "NFTABLES (raw)"),
        ("netns-ct-", "NETNF_CT (raw)"), ("netns-exp-", "NETNF_EXP (raw)"),
    ];

    // stats-dump and friends are named as in CRIU's directory, but engines keep them at the top of the archive.
    private static string? ServiceName(string member)
    {
        var name = member[ArchiveLayout.CheckpointPrefix.Length..];
        return ServiceFiles.Contains(name) ? name : null;
    }

    private static byte[] Head(Stream stream)
    {
        var head = new byte[HeadBytes];
        var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return head[..n];
    }

    // The whole image, unless its head says it is no protobuf image crit can show (then only the head, for the message).
    private static ReadOnlyMemory<byte> ReadImage(ArchiveMember member, Stream stream)
    {
        var head = Head(stream);
        if (CritShow.TypeMagic(head) is not { } magic || magic == CriuMagic.RawImage || CriuMagic.NameOf(magic) == null)
            return head;
        if (member.Size > ArchiveRequest.DefaultMaxMemberBytes)
            throw new InvalidCheckpointException($"{member.Name} is {member.Size} bytes, larger than the {ArchiveRequest.DefaultMaxMemberBytes >> 20} MiB limit for images read into memory");
        var data = new byte[member.Size];
        head.CopyTo(data, 0);
        stream.ReadExactly(data, head.Length, data.Length - head.Length);
        return data;
    }
}
