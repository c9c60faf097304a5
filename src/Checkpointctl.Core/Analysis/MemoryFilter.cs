using System.Globalization;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Model;
using Checkpointctl.Core.Pod;

namespace Checkpointctl.Core.Analysis;

/// <summary>A part of a process's memory chosen by a <see cref="MemoryFilter"/>: a mapping, clipped to the address range.</summary>
public sealed record SelectedRange(ulong Start, ulong End, MemoryMapping Mapping);

/// <summary>
/// <c>memparse</c>'s filters (checkpointctl #208, forensics.md §3): mappings whose protection has every requested bit,
/// of the requested kinds or names, clipped to an address range. All given filters must hold.
/// </summary>
public sealed class MemoryFilter
{
    /// <summary>Kinds <c>--mapping</c> knows; any other word is a glob over mapping names.</summary>
    public static readonly IReadOnlyList<string> Kinds =
        ["heap", "stack", "anon", "file", "shared", "private", "vdso", "vvar", "vsyscall", "memfd", "sysv"];

    /// <summary>PROT_* bits every selected mapping must have (0: any).</summary>
    public uint Prot { get; init; }

    /// <summary>[Start, End) to clip to; null for all addresses.</summary>
    public (ulong Start, ulong End)? Range { get; init; }

    /// <summary>Kinds and name globs; a mapping matching any is selected (empty: all).</summary>
    public IReadOnlyList<string> Mappings { get; init; } = [];

    /// <summary>No filter is set: every mapping matches.</summary>
    public bool IsEmpty => Prot == 0 && Range == null && Mappings.Count == 0;

    /// <summary><c>r</c>, <c>rw</c>, <c>r-x</c> … as PROT_* bits; null with the reason when it is not such a pattern.</summary>
    public static uint? ParseProt(string text, out string? error)
    {
        error = null;
        uint bits = 0;
        foreach (var c in text)
        {
            switch (c)
            {
                case 'r': bits |= MemoryMapping.ProtRead; break;
                case 'w': bits |= MemoryMapping.ProtWrite; break;
                case 'x': bits |= MemoryMapping.ProtExec; break;
                case '-': break;
                default:
                    error = $"unknown permission '{c}': use r, w, x and - (e.g. rw, r-x, x)";
                    return null;
            }
        }
        if (bits == 0)
            error = "no permission given: use r, w, x and - (e.g. rw, r-x, x)";
        return bits == 0 ? null : bits;
    }

    /// <summary><c>START-END</c> (end exclusive) or <c>START+LEN</c>, hex with or without <c>0x</c>; null with the reason otherwise.</summary>
    public static (ulong Start, ulong End)? ParseRange(string text, out string? error)
    {
        error = null;
        var plus = text.IndexOf('+');
        var dash = text.IndexOf('-');
        var split = plus >= 0 ? plus : dash;
        if (split <= 0 || split == text.Length - 1 || (plus >= 0 && dash >= 0))
        {
            error = "expected START-END or START+LENGTH in hex (e.g. 7f0000000000-7f0000001000, 0x401000+0x2000)";
            return null;
        }
        if (!Hex(text[..split], out var start) || !Hex(text[(split + 1)..], out var second))
        {
            error = "addresses are hexadecimal numbers of at most 16 digits (with or without 0x)";
            return null;
        }
        var end = plus >= 0 ? start + second : second;
        if (plus >= 0 && end < start)
        {
            error = "the range goes beyond the end of the address space";
            return null;
        }
        if (end <= start)
        {
            error = "the range is empty (END must be above START)";
            return null;
        }
        return (start, end);
    }

    private static bool Hex(string text, out ulong value)
    {
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        value = 0;
        return digits.Length is > 0 and <= 16 && digits.All(Uri.IsHexDigit)
            && ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Comma-separated kinds and name globs.</summary>
    public static IReadOnlyList<string> ParseMappings(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether a mapping has the permissions and is of a kind or name selected (the address range aside).</summary>
    public bool Matches(MemoryMapping m) =>
        (m.Prot & Prot) == Prot
        && (Range is not { } r || (m.Start < r.End && r.Start < m.End))
        && (Mappings.Count == 0 || Mappings.Any(word => MatchesWord(m, word)));

    private static bool MatchesWord(MemoryMapping m, string word) => word switch
    {
        "anon" => m.Kind is "anon" or "heap" or "stack",
        "shared" => m.IsShared,
        "private" => !m.IsShared,
        _ when Kinds.Contains(word) => m.Kind == word,
        // A name glob matches the whole name or, without a '/', its last part (libc.so* finds /usr/lib/.../libc.so.6).
        _ => m.Name.Length > 0 && (new MemberPattern(word).Matches(m.Name) || (!word.Contains('/') && new MemberPattern(word).Matches(LastPart(m.Name)))),
    };

    private static string LastPart(string name)
    {
        var path = name.EndsWith(" (deleted)", StringComparison.Ordinal) ? name[..^" (deleted)".Length] : name;
        return path[(path.LastIndexOf('/') + 1)..];
    }

    /// <summary>The selected mappings of a memory map in address order, each clipped to <see cref="Range"/>.</summary>
    public IReadOnlyList<SelectedRange> Select(ProcessMemoryMap map) =>
        map.Mappings.Where(Matches)
            .Select(m => Range is { } r ? new SelectedRange(Math.Max(m.Start, r.Start), Math.Min(m.End, r.End), m) : new SelectedRange(m.Start, m.End, m))
            .ToList();

    /// <summary>The selection of one process: its memory map from the small images only (no pages are read).</summary>
    /// <exception cref="CheckpointException">Unknown or dead PID, with upstream's messages; broken images.</exception>
    /// <param name="containers">Of a pod checkpoint, the one container to read (needed when it has several).</param>
    /// <param name="input">The checkpoint.</param>
    /// <param name="pid">The process.</param>
    public IReadOnlyList<SelectedRange> Select(CheckpointInput input, uint pid, IReadOnlyList<string>? containers = null)
    {
        using var set = CheckpointSet.Open(input, new ArchiveRequest { Hold = MemoryMap.Images }, PagesPlan.None, containers);
        var images = new CriuImages(set.Single().Pages);
        var node = MemoryScan.FindProcess(images, pid);
        return Select(MemoryMap.Of(images, node));
    }
}
