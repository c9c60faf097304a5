namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>
/// Go's factoring of alternations (ABC|ABD|AEF|BCX|BCY becomes A(B[CD]|EF)|BC[XY]). It changes no match, but it
/// shapes the tree whose size and depth Go limits, and it is where Go's parse ends up deciding some matches.
/// </summary>
internal sealed partial class Parser
{
    private List<Node> Factor(List<Node> sub)
    {
        if (sub.Count < 2)
            return sub;
        sub = FactorLeadingStrings(sub);
        sub = FactorLeadingItems(sub);
        sub = MergeSingleCharacters(sub);
        return sub.Where((re, i) => !(i + 1 < sub.Count && re.Op == GoRegexp.Op.EmptyMatch && sub[i + 1].Op == GoRegexp.Op.EmptyMatch)).ToList();
    }

    // Round 1: common leading literal strings.
    private List<Node> FactorLeadingStrings(List<Node> sub)
    {
        var output = new List<Node>();
        int[] str = [];
        var strFlags = ParseFlags.None;
        var start = 0;
        for (var i = 0; i <= sub.Count; i++)
        {
            int[] istr = [];
            var iflags = ParseFlags.None;
            if (i < sub.Count)
            {
                (istr, iflags) = LeadingString(sub[i]);
                if (iflags == strFlags)
                {
                    var same = 0;
                    while (same < str.Length && same < istr.Length && str[same] == istr[same])
                        same++;
                    if (same > 0)
                    {
                        str = str[..same];
                        continue;
                    }
                }
            }
            if (i == start + 1)
                output.Add(sub[start]);
            else if (i > start + 1)
            {
                var prefix = NewNode(GoRegexp.Op.Literal);
                prefix.Flags = strFlags;
                prefix.Runes = [.. str];
                for (var j = start; j < i; j++)
                {
                    sub[j] = RemoveLeadingString(sub[j], str.Length);
                    CheckLimits(sub[j]);
                }
                output.Add(Factored(prefix, sub.GetRange(start, i - start)));
            }
            start = i;
            str = istr;
            strFlags = iflags;
        }
        return output;
    }

    // Round 2: a common leading class, or fixed repeat of a class (complex items are not safe to factor).
    private List<Node> FactorLeadingItems(List<Node> sub)
    {
        var output = new List<Node>();
        Node? first = null;
        var start = 0;
        for (var i = 0; i <= sub.Count; i++)
        {
            Node? ifirst = null;
            if (i < sub.Count)
            {
                ifirst = LeadingRegexp(sub[i]);
                if (first != null && Node.Equal(first, ifirst)
                    && (IsCharClass(first) || first.Op == GoRegexp.Op.Repeat && first.Min == first.Max && IsCharClass(first.Subs[0])))
                    continue;
            }
            if (i == start + 1)
                output.Add(sub[start]);
            else if (i > start + 1)
            {
                for (var j = start; j < i; j++)
                {
                    sub[j] = RemoveLeadingRegexp(sub[j], reuse: j != start);
                    CheckLimits(sub[j]);
                }
                output.Add(Factored(first!, sub.GetRange(start, i - start)));
            }
            start = i;
            first = ifirst;
        }
        return output;
    }

    private Node Factored(Node prefix, List<Node> suffixes)
    {
        var suffix = Collapse(suffixes, GoRegexp.Op.Alternate);
        var re = NewNode(GoRegexp.Op.Concat);
        re.Subs = [prefix, suffix];
        return re;
    }

    // Round 3: runs of single characters and classes become one class.
    private List<Node> MergeSingleCharacters(List<Node> sub)
    {
        var output = new List<Node>();
        var start = 0;
        for (var i = 0; i <= sub.Count; i++)
        {
            if (i < sub.Count && IsCharClass(sub[i]))
                continue;
            if (i == start + 1)
                output.Add(sub[start]);
            else if (i > start + 1)
                output.Add(MergeRun(sub, start, i));
            if (i < sub.Count)
                output.Add(sub[i]);
            start = i + 1;
        }
        return output;
    }

    // Merges sub[start..end) into the most complex of them.
    private Node MergeRun(List<Node> sub, int start, int end)
    {
        var max = start;
        for (var j = start + 1; j < end; j++)
        {
            if (sub[max].Op < sub[j].Op || sub[max].Op == sub[j].Op && sub[max].Runes.Count < sub[j].Runes.Count)
                max = j;
        }
        (sub[start], sub[max]) = (sub[max], sub[start]);
        for (var j = start + 1; j < end; j++)
        {
            MergeCharClass(sub[start], sub[j]);
            Reuse(sub[j]);
        }
        CleanAlt(sub[start]);
        return sub[start];
    }

    private static (int[] Runes, ParseFlags Flags) LeadingString(Node re)
    {
        if (re.Op == GoRegexp.Op.Concat && re.Subs.Count > 0)
            re = re.Subs[0];
        return re.Op == GoRegexp.Op.Literal ? (re.Runes.ToArray(), re.Flags & ParseFlags.FoldCase) : ([], ParseFlags.None);
    }

    private Node RemoveLeadingString(Node re, int n)
    {
        if (re.Op == GoRegexp.Op.Concat && re.Subs.Count > 0)
        {
            var sub = RemoveLeadingString(re.Subs[0], n);
            re.Subs[0] = sub;
            if (sub.Op != GoRegexp.Op.EmptyMatch)
                return re;
            Reuse(sub);
            return DropFirst(re);
        }
        if (re.Op == GoRegexp.Op.Literal)
        {
            re.Runes.RemoveRange(0, n);
            if (re.Runes.Count == 0)
                re.Op = GoRegexp.Op.EmptyMatch;
        }
        return re;
    }

    // A concatenation without its first item.
    private Node DropFirst(Node re)
    {
        switch (re.Subs.Count)
        {
            case 0 or 1:
                re.Op = GoRegexp.Op.EmptyMatch;
                re.Subs = [];
                return re;
            case 2:
                var rest = re.Subs[1];
                Reuse(re);
                return rest;
            default:
                re.Subs.RemoveAt(0);
                return re;
        }
    }

    private static Node? LeadingRegexp(Node re)
    {
        if (re.Op == GoRegexp.Op.EmptyMatch)
            return null;
        if (re.Op == GoRegexp.Op.Concat && re.Subs.Count > 0)
            return re.Subs[0].Op == GoRegexp.Op.EmptyMatch ? null : re.Subs[0];
        return re;
    }

    private Node RemoveLeadingRegexp(Node re, bool reuse)
    {
        if (re.Op == GoRegexp.Op.Concat && re.Subs.Count > 0)
        {
            if (reuse)
                Reuse(re.Subs[0]);
            re.Subs.RemoveAt(0);
            switch (re.Subs.Count)
            {
                case 0:
                    re.Op = GoRegexp.Op.EmptyMatch;
                    re.Subs = [];
                    break;
                case 1:
                    var only = re.Subs[0];
                    Reuse(re);
                    return only;
            }
            return re;
        }
        if (reuse)
            Reuse(re);
        return NewNode(GoRegexp.Op.EmptyMatch);
    }
}
