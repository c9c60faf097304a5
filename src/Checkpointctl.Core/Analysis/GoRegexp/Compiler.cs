namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>
/// Compiles a parse tree to a program as Go does: Go's simplification of counted repetitions (x{2,5} is
/// xx(x(x(x)?)?)?), then Thompson's construction with Go's choices (a star whose body can match empty is (x+)?),
/// so that the matcher's priorities, and with them the matches, are Go's. Captures are not needed and not compiled.
/// </summary>
internal sealed class Compiler
{
    private readonly List<Inst> _insts = [new Inst { Op = InstOp.Fail }]; // pc 0 fails, as in Go
    private readonly Dictionary<object, RuneSet> _sets = [];

    // A fragment: its first instruction (0: fails), the exits still to patch (pc * 2, + 1 for Arg), nullable.
    private readonly record struct Frag(int Start, List<int> Out, bool Nullable);

    public static Program Compile(Node tree)
    {
        var c = new Compiler();
        var f = c.Build(Simplify(tree));
        var match = c.Add(InstOp.Match);
        c.Patch(f.Out, match.Start);
        var insts = c._insts.ToArray();
        return new Program { Insts = insts, Start = f.Start, FirstChars = FirstCharacters.Of(insts, f.Start) };
    }

    private Frag Build(Node re) => re.Op switch
    {
        Op.NoMatch => default,
        Op.EmptyMatch => Nop(),
        Op.Literal => re.Runes.Count == 0 ? Nop() : re.Runes.Select(r => Rune((r, re.Flags & ParseFlags.FoldCase), () => LiteralSet(r, re.Flags))).Aggregate(Cat),
        Op.CharClass => Rune(re.Runes, () => re.Runes),
        Op.AnyCharNotNL => Rune(Op.AnyCharNotNL, () => [0, '\n' - 1, '\n' + 1, RuneClass.MaxRune]),
        Op.AnyChar => Rune(Op.AnyChar, () => [0, RuneClass.MaxRune]),
        Op.BeginLine => Empty(EmptyOp.BeginLine),
        Op.EndLine => Empty(EmptyOp.EndLine),
        Op.BeginText => Empty(EmptyOp.BeginText),
        Op.EndText => Empty(EmptyOp.EndText),
        Op.WordBoundary => Empty(EmptyOp.WordBoundary),
        Op.NoWordBoundary => Empty(EmptyOp.NoWordBoundary),
        Op.Capture => Build(re.Subs[0]),
        Op.Star => Star(Build(re.Subs[0]), IsLazy(re)),
        Op.Plus => Plus(Build(re.Subs[0]), IsLazy(re)),
        Op.Quest => Quest(Build(re.Subs[0]), IsLazy(re)),
        Op.Concat => re.Subs.Count == 0 ? Nop() : re.Subs.Select(Build).Aggregate(Cat),
        Op.Alternate => re.Subs.Select(Build).Aggregate(default(Frag), Alt),
        _ => throw new InvalidOperationException($"unexpected regexp node {re.Op}"),
    };

    private static bool IsLazy(Node re) => (re.Flags & ParseFlags.NonGreedy) != 0;

    // A literal rune matches its case variants when it folds.
    private static List<int> LiteralSet(int r, ParseFlags flags)
    {
        var set = new List<int>();
        if ((flags & ParseFlags.FoldCase) != 0)
            RuneClass.AppendFoldedRange(set, r, r);
        else
            RuneClass.AppendRange(set, r, r);
        RuneClass.Clean(set);
        return set;
    }

    private Frag Add(InstOp op)
    {
        _insts.Add(new Inst { Op = op });
        return new Frag(_insts.Count - 1, [], Nullable: true);
    }

    private Frag Nop()
    {
        var f = Add(InstOp.Nop);
        return f with { Out = [f.Start * 2] };
    }

    // A Rune instruction; its set is built once per key (a class's node, a literal rune), as Go shares it.
    private Frag Rune(object key, Func<List<int>> ranges)
    {
        if (!_sets.TryGetValue(key, out var set))
            _sets[key] = set = new RuneSet(ranges());
        var f = Add(InstOp.Rune);
        Insts[f.Start].Set = set;
        return f with { Out = [f.Start * 2], Nullable = false };
    }

    private Span<Inst> Insts => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_insts);

    private Frag Empty(EmptyOp op)
    {
        var f = Add(InstOp.EmptyWidth);
        Insts[f.Start].Empty = op;
        return f with { Out = [f.Start * 2] };
    }

    private void Patch(List<int>? exits, int target)
    {
        foreach (var e in exits ?? [])
        {
            if ((e & 1) == 0)
                Insts[e >> 1].Out = target;
            else
                Insts[e >> 1].Arg = target;
        }
    }

    private Frag Cat(Frag f1, Frag f2)
    {
        if (f1.Start == 0 || f2.Start == 0)
            return default;
        Patch(f1.Out, f2.Start);
        return new Frag(f1.Start, f2.Out, f1.Nullable && f2.Nullable);
    }

    private Frag Alt(Frag f1, Frag f2)
    {
        if (f1.Start == 0)
            return f2;
        if (f2.Start == 0)
            return f1;
        var f = Add(InstOp.Alt);
        Insts[f.Start].Out = f1.Start;
        Insts[f.Start].Arg = f2.Start;
        return new Frag(f.Start, [.. f1.Out, .. f2.Out], f1.Nullable || f2.Nullable);
    }

    // x? : Alt preferring x (or, lazy, preferring to skip it).
    private Frag Quest(Frag f1, bool lazy)
    {
        var f = Add(InstOp.Alt);
        var exit = Choice(f.Start, f1.Start, lazy);
        return f with { Out = [exit, .. f1.Out ?? []] };
    }

    // An Alt that goes to body (preferred unless lazy) or leaves; returns the leaving exit to patch.
    private int Choice(int pc, int body, bool lazy)
    {
        if (lazy)
        {
            Insts[pc].Arg = body;
            return pc * 2;
        }
        Insts[pc].Out = body;
        return pc * 2 + 1;
    }

    private Frag Loop(Frag f1, bool lazy)
    {
        var f = Add(InstOp.Alt);
        var exit = Choice(f.Start, f1.Start, lazy);
        Patch(f1.Out, f.Start);
        return f with { Out = [exit] };
    }

    // A body that can match empty loops as (x+)?: an empty iteration then cannot go round again.
    private Frag Star(Frag f1, bool lazy) => f1.Nullable ? Quest(Plus(f1, lazy), lazy) : Loop(f1, lazy);

    private Frag Plus(Frag f1, bool lazy) => new(f1.Start, Loop(f1, lazy).Out, f1.Nullable);

    /// <summary>Go's Simplify: counted repetitions become copies and optional copies; x** is x*.</summary>
    private static Node Simplify(Node re)
    {
        switch (re.Op)
        {
            case Op.Capture or Op.Concat or Op.Alternate:
                return new Node { Op = re.Op, Flags = re.Flags, Subs = re.Subs.Select(Simplify).ToList() };
            case Op.Star or Op.Plus or Op.Quest:
                return Simplify1(re.Op, re.Flags, Simplify(re.Subs[0]));
            case Op.Repeat:
                return SimplifyRepeat(re);
            default:
                return re;
        }
    }

    private static Node SimplifyRepeat(Node re)
    {
        if (re.Min == 0 && re.Max == 0)
            return new Node { Op = Op.EmptyMatch };
        var sub = Simplify(re.Subs[0]);
        if (re.Max == -1)
        {
            if (re.Min <= 1)
                return Simplify1(re.Min == 0 ? Op.Star : Op.Plus, re.Flags, sub);
            return Concat([.. Enumerable.Repeat(sub, re.Min - 1), Simplify1(Op.Plus, re.Flags, sub)]);
        }
        if (re.Min == 1 && re.Max == 1)
            return sub;
        var parts = Enumerable.Repeat(sub, re.Min).ToList();
        if (re.Max > re.Min)
        {
            var suffix = Simplify1(Op.Quest, re.Flags, sub);
            for (var i = re.Min + 1; i < re.Max; i++)
                suffix = Simplify1(Op.Quest, re.Flags, Concat([sub, suffix]));
            parts.Add(suffix);
        }
        return parts.Count > 0 && re.Min > 0 ? Concat(parts) : parts.Count == 1 ? parts[0] : new Node { Op = Op.NoMatch };
    }

    private static Node Concat(List<Node> subs) => new() { Op = Op.Concat, Subs = subs };

    private static Node Simplify1(Op op, ParseFlags flags, Node sub)
    {
        // The empty string repeated is the empty string; x** is x* (same greediness).
        if (sub.Op == Op.EmptyMatch)
            return sub;
        if (op == sub.Op && (flags & ParseFlags.NonGreedy) == (sub.Flags & ParseFlags.NonGreedy))
            return sub;
        return new Node { Op = op, Flags = flags, Subs = [sub] };
    }
}
