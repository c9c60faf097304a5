namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>The parse stack, as Go's parser keeps it: literals merge into strings as they are pushed, '|' and '('
/// are pseudo-operators, single-character alternatives merge into classes.</summary>
internal sealed partial class Parser
{
    private Node? Push(Node re)
    {
        _numRunes += re.Runes.Count;
        var r = re.Runes;
        if (re.Op == GoRegexp.Op.CharClass && r.Count == 2 && r[0] == r[1])
        {
            // A single rune.
            if (MaybeConcat(r[0], _flags & ~ParseFlags.FoldCase))
                return null;
            MakeLiteral(re, _flags & ~ParseFlags.FoldCase);
        }
        else if (re.Op == GoRegexp.Op.CharClass && IsFoldPair(r))
        {
            // A case-insensitive rune like [Aa] or [Δδ].
            if (MaybeConcat(r[0], _flags | ParseFlags.FoldCase))
                return null;
            MakeLiteral(re, _flags | ParseFlags.FoldCase);
        }
        else
            MaybeConcat(-1, ParseFlags.None);
        _stack.Add(re);
        CheckLimits(re);
        return re;
    }

    private static void MakeLiteral(Node re, ParseFlags flags)
    {
        re.Op = GoRegexp.Op.Literal;
        re.Runes = [re.Runes[0]];
        re.Flags = flags;
    }

    // A class that is exactly one rune and its only case variant: [Aa] as two ranges or [Δδ]-like as one.
    private static bool IsFoldPair(List<int> r) =>
        r.Count == 4 && r[0] == r[1] && r[2] == r[3] && UnicodeTables.SimpleFold(r[0]) == r[2] && UnicodeTables.SimpleFold(r[2]) == r[0]
        || r.Count == 2 && r[0] + 1 == r[1] && UnicodeTables.SimpleFold(r[0]) == r[1] && UnicodeTables.SimpleFold(r[1]) == r[0];

    // Merges the top two literals if they can be (same case folding). If r >= 0 and a node is freed, it is reused to
    // push r with the given flags; returns whether r was pushed.
    private bool MaybeConcat(int r, ParseFlags flags)
    {
        var n = _stack.Count;
        if (n < 2)
            return false;
        var re1 = _stack[n - 1];
        var re2 = _stack[n - 2];
        if (re1.Op != GoRegexp.Op.Literal || re2.Op != GoRegexp.Op.Literal
            || (re1.Flags & ParseFlags.FoldCase) != (re2.Flags & ParseFlags.FoldCase))
            return false;
        re2.Runes.AddRange(re1.Runes);
        if (r >= 0)
        {
            re1.Runes = [r];
            re1.Flags = flags;
            return true;
        }
        _stack.RemoveAt(n - 1);
        Reuse(re1);
        return false;
    }

    private void Literal(int r)
    {
        var re = NewNode(GoRegexp.Op.Literal);
        re.Flags = _flags;
        if (Has(ParseFlags.FoldCase))
            r = MinFoldRune(r);
        re.Runes = [r];
        Push(re);
    }

    private static int MinFoldRune(int r)
    {
        if (r < RuneClass.MinFold || r > RuneClass.MaxFold)
            return r;
        var min = r;
        for (var f = UnicodeTables.SimpleFold(r); f != r; f = UnicodeTables.SimpleFold(f))
            min = Math.Min(min, f);
        return min;
    }

    private Node Op(Op op)
    {
        var re = NewNode(op);
        re.Flags = _flags;
        return Push(re)!;
    }

    // Replaces the items above the topmost '|' or '(' with their concatenation.
    private void Concat()
    {
        MaybeConcat(-1, ParseFlags.None);
        var subs = PopOperands();
        Push(subs.Count == 0 ? NewNode(GoRegexp.Op.EmptyMatch) : Collapse(subs, GoRegexp.Op.Concat));
    }

    // Replaces the items above the topmost '(' with their alternation.
    private void Alternate()
    {
        var subs = PopOperands();
        if (subs.Count > 0)
            CleanAlt(subs[^1]);
        Push(subs.Count == 0 ? NewNode(GoRegexp.Op.NoMatch) : Collapse(subs, GoRegexp.Op.Alternate));
    }

    private List<Node> PopOperands()
    {
        var i = _stack.Count;
        while (i > 0 && _stack[i - 1].Op < GoRegexp.Op.LeftParen)
            i--;
        var subs = _stack.GetRange(i, _stack.Count - i);
        _stack.RemoveRange(i, _stack.Count - i);
        return subs;
    }

    // Prepares a class for an alternation: cleaned, and . or (?s:.) if that is what it is.
    private static void CleanAlt(Node re)
    {
        if (re.Op != GoRegexp.Op.CharClass)
            return;
        RuneClass.Clean(re.Runes);
        var r = re.Runes;
        if (r.Count == 2 && r[0] == 0 && r[1] == RuneClass.MaxRune)
        {
            re.Runes = [];
            re.Op = GoRegexp.Op.AnyChar;
        }
        else if (r.Count == 4 && r[0] == 0 && r[1] == '\n' - 1 && r[2] == '\n' + 1 && r[3] == RuneClass.MaxRune)
        {
            re.Runes = [];
            re.Op = GoRegexp.Op.AnyCharNotNL;
        }
    }

    // Applies op to subs, hoisting nested nodes of the same op; alternations are factored.
    private Node Collapse(List<Node> subs, Op op)
    {
        if (subs.Count == 1)
            return subs[0];
        var re = NewNode(op);
        foreach (var sub in subs)
        {
            if (sub.Op == op)
            {
                re.Subs.AddRange(sub.Subs);
                Reuse(sub);
            }
            else
                re.Subs.Add(sub);
        }
        if (op == GoRegexp.Op.Alternate)
        {
            re.Subs = Factor(re.Subs);
            if (re.Subs.Count == 1)
            {
                var old = re;
                re = re.Subs[0];
                Reuse(old);
            }
        }
        return re;
    }

    private void ParseVerticalBar()
    {
        Concat();
        if (!SwapVerticalBar())
            Op(GoRegexp.Op.VerticalBar);
    }

    // If the top is an item above a '|', swaps them (items below a '|' form the alternation) and returns true;
    // single characters on both sides merge into one class instead.
    private bool SwapVerticalBar()
    {
        var n = _stack.Count;
        if (n >= 3 && _stack[n - 2].Op == GoRegexp.Op.VerticalBar && IsCharClass(_stack[n - 1]) && IsCharClass(_stack[n - 3]))
        {
            var re1 = _stack[n - 1];
            var re3 = _stack[n - 3];
            if (re1.Op > re3.Op)
            {
                (re1, re3) = (re3, re1);
                _stack[n - 3] = re3;
            }
            MergeCharClass(re3, re1);
            Reuse(re1);
            _stack.RemoveAt(n - 1);
            return true;
        }
        if (n >= 2 && _stack[n - 2].Op == GoRegexp.Op.VerticalBar)
        {
            if (n >= 3)
                CleanAlt(_stack[n - 3]);
            (_stack[n - 2], _stack[n - 1]) = (_stack[n - 1], _stack[n - 2]);
            return true;
        }
        return false;
    }

    private void ParseRightParen()
    {
        Concat();
        if (SwapVerticalBar())
            _stack.RemoveAt(_stack.Count - 1);
        Alternate();
        var n = _stack.Count;
        if (n < 2)
            throw Error(ErrorCodes.UnexpectedParen, 0, End);
        var re1 = _stack[n - 1];
        var re2 = _stack[n - 2];
        _stack.RemoveRange(n - 2, 2);
        if (re2.Op != GoRegexp.Op.LeftParen)
            throw Error(ErrorCodes.UnexpectedParen, 0, End);
        // Restore the flags at the time of the paren.
        _flags = re2.Flags;
        if (re2.Cap == 0)
        {
            Push(re1);
            return;
        }
        re2.Op = GoRegexp.Op.Capture;
        re2.Subs = [re1];
        Push(re2);
    }

    private static bool IsCharClass(Node re) =>
        re.Op == GoRegexp.Op.Literal && re.Runes.Count == 1
        || re.Op is GoRegexp.Op.CharClass or GoRegexp.Op.AnyCharNotNL or GoRegexp.Op.AnyChar;

    private static bool MatchRune(Node re, int r) => re.Op switch
    {
        GoRegexp.Op.Literal => re.Runes.Count == 1 && re.Runes[0] == r,
        GoRegexp.Op.CharClass => RuneClass.Contains(re.Runes, r),
        GoRegexp.Op.AnyCharNotNL => r != '\n',
        GoRegexp.Op.AnyChar => true,
        _ => false,
    };

    // dst |= src; dst is at least as complex an op as src.
    private static void MergeCharClass(Node dst, Node src)
    {
        switch (dst.Op)
        {
            case GoRegexp.Op.AnyCharNotNL:
                if (MatchRune(src, '\n'))
                    dst.Op = GoRegexp.Op.AnyChar;
                break;
            case GoRegexp.Op.CharClass:
                if (src.Op == GoRegexp.Op.Literal)
                    RuneClass.AppendLiteral(dst.Runes, src.Runes[0], src.Flags);
                else
                    RuneClass.AppendClass(dst.Runes, src.Runes);
                break;
            case GoRegexp.Op.Literal:
                if (src.Runes[0] == dst.Runes[0] && src.Flags == dst.Flags)
                    break;
                var first = dst.Runes[0];
                dst.Op = GoRegexp.Op.CharClass;
                dst.Runes = [];
                RuneClass.AppendLiteral(dst.Runes, first, dst.Flags);
                RuneClass.AppendLiteral(dst.Runes, src.Runes[0], src.Flags);
                break;
        }
    }
}
