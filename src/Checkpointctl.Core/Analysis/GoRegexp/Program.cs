namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>Instruction kinds of a compiled regexp (a Thompson NFA, as Go's regexp/syntax.Prog).</summary>
internal enum InstOp : byte
{
    Fail,
    Alt,
    EmptyWidth,
    Nop,
    Rune,
    Match,
}

/// <summary>Zero-width conditions (Go's syntax.EmptyOp).</summary>
[Flags]
internal enum EmptyOp : byte
{
    None = 0,
    BeginLine = 1,
    EndLine = 2,
    BeginText = 4,
    EndText = 8,
    WordBoundary = 16,
    NoWordBoundary = 32,
}

/// <summary>One instruction: Alt prefers Out over Arg; Rune matches one code point of Runes (lo/hi pairs).</summary>
internal sealed class Inst
{
    public InstOp Op;
    public int Out;
    public int Arg;
    public EmptyOp Empty;
    public int[] Runes = [];

    // Code points below 128 as bits, so that ASCII text needs no range search.
    public ulong AsciiLo;
    public ulong AsciiHi;

    public bool MatchRune(int c)
    {
        if (c < 64)
            return (AsciiLo >> c & 1) != 0;
        if (c < 128)
            return (AsciiHi >> (c - 64) & 1) != 0;
        var r = Runes;
        int lo = 0, hi = r.Length / 2;
        while (lo < hi)
        {
            var m = (lo + hi) / 2;
            if (c < r[2 * m])
                hi = m;
            else if (c > r[2 * m + 1])
                lo = m + 1;
            else
                return true;
        }
        return false;
    }

    public void SetRunes(List<int> ranges)
    {
        Runes = [.. ranges];
        for (var c = 0; c < 128; c++)
        {
            if (!RuneClass.Contains(ranges, c))
                continue;
            if (c < 64)
                AsciiLo |= 1UL << c;
            else
                AsciiHi |= 1UL << (c - 64);
        }
    }
}

/// <summary>A compiled regexp: instructions, the start, and what the first character of a match can be.</summary>
internal sealed class Program
{
    public required Inst[] Insts { get; init; }

    public required int Start { get; init; }

    /// <summary>Characters a match can start with, or null if a match can start anywhere (it may be empty).</summary>
    public System.Buffers.SearchValues<char>? FirstChars { get; init; }
}
