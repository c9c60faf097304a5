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

/// <summary>One instruction: Alt prefers Out over Arg; Rune matches one code point of Set.</summary>
internal struct Inst
{
    public InstOp Op;
    public int Out;
    public int Arg;
    public EmptyOp Empty;
    public RuneSet? Set;
}

/// <summary>The code points a Rune instruction matches (lo/hi pairs), shared by the copies x{n} makes.</summary>
internal sealed class RuneSet
{
    private readonly int[] _ranges;

    // Code points below 128 as bits, so that ASCII text needs no range search.
    private readonly ulong _asciiLo;
    private readonly ulong _asciiHi;

    public RuneSet(List<int> ranges)
    {
        _ranges = [.. ranges];
        for (var c = 0; c < 128; c++)
        {
            if (!RuneClass.Contains(ranges, c))
                continue;
            if (c < 64)
                _asciiLo |= 1UL << c;
            else
                _asciiHi |= 1UL << (c - 64);
        }
    }

    public IReadOnlyList<int> Ranges => _ranges;

    public bool Contains(int c)
    {
        if (c < 64)
            return (_asciiLo >> c & 1) != 0;
        if (c < 128)
            return (_asciiHi >> (c - 64) & 1) != 0;
        int lo = 0, hi = _ranges.Length / 2;
        while (lo < hi)
        {
            var m = (lo + hi) / 2;
            if (c < _ranges[2 * m])
                hi = m;
            else if (c > _ranges[2 * m + 1])
                lo = m + 1;
            else
                return true;
        }
        return false;
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
