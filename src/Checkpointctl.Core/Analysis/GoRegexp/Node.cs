namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>Operators of a parsed Go regexp, in Go's order (the parser compares them).</summary>
internal enum Op : byte
{
    NoMatch = 1,
    EmptyMatch,
    Literal,
    CharClass,
    AnyCharNotNL,
    AnyChar,
    BeginLine,
    EndLine,
    BeginText,
    EndText,
    WordBoundary,
    NoWordBoundary,
    Capture,
    Star,
    Plus,
    Quest,
    Repeat,
    Concat,
    Alternate,

    // Pseudo-operators, only on the parse stack.
    LeftParen = 128,
    VerticalBar,
}

/// <summary>Go's parse flags (regexp/syntax.Flags).</summary>
[Flags]
internal enum ParseFlags
{
    None = 0,
    FoldCase = 1,
    Literal = 2,
    ClassNL = 4,
    DotNL = 8,
    OneLine = 16,
    NonGreedy = 32,
    PerlX = 64,
    UnicodeGroups = 128,
    WasDollar = 256,

    /// <summary>What <c>regexp.Compile</c> parses with.</summary>
    Perl = ClassNL | OneLine | PerlX | UnicodeGroups,
}

/// <summary>
/// A node of the parse tree, shaped as Go's parser shapes it (merged literals, factored alternations): Go's limits
/// on size and nesting are measured on that shape. Runes hold a literal's code points or a class's lo/hi pairs.
/// </summary>
internal sealed class Node
{
    public Op Op;
    public ParseFlags Flags;
    public List<int> Runes = [];
    public List<Node> Subs = [];
    public int Min;
    public int Max;
    public int Cap;

    public void Reset(Op op)
    {
        Op = op;
        Flags = ParseFlags.None;
        Runes = [];
        Subs = [];
        Min = Max = Cap = 0;
    }

    /// <summary>Go's structural equality (a literal's fold flag is not compared, as in Go).</summary>
    public static bool Equal(Node? x, Node? y)
    {
        if (x == null || y == null)
            return x == y;
        if (x.Op != y.Op)
            return false;
        return x.Op switch
        {
            Op.EndText => (x.Flags & ParseFlags.WasDollar) == (y.Flags & ParseFlags.WasDollar),
            Op.Literal or Op.CharClass => x.Runes.SequenceEqual(y.Runes),
            Op.Alternate or Op.Concat => x.Subs.Count == y.Subs.Count && x.Subs.Zip(y.Subs).All(p => Equal(p.First, p.Second)),
            Op.Star or Op.Plus or Op.Quest => SameGreed(x, y) && Equal(x.Subs[0], y.Subs[0]),
            Op.Repeat => SameGreed(x, y) && x.Min == y.Min && x.Max == y.Max && Equal(x.Subs[0], y.Subs[0]),
            Op.Capture => x.Cap == y.Cap && Equal(x.Subs[0], y.Subs[0]),
            _ => true,
        };
    }

    private static bool SameGreed(Node x, Node y) => (x.Flags & ParseFlags.NonGreedy) == (y.Flags & ParseFlags.NonGreedy);
}
