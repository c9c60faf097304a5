namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>
/// Character classes as Go's parser builds them: flat lists of lo/hi pairs, appended with merging of the last two
/// ranges, cleaned (sorted, merged) before use. The lists' lengths count towards Go's size limit, so they are built
/// the same way.
/// </summary>
internal static class RuneClass
{
    public const int MaxRune = 0x10FFFF;

    // The runes case folding can involve (Go's minFold/maxFold).
    public const int MinFold = 0x41;
    public const int MaxFold = 0x1E943;

    public static void AppendRange(List<int> r, int lo, int hi)
    {
        // Extend the last or next-to-last range if it overlaps or abuts (helps appending folded alphabets).
        var n = r.Count;
        for (var i = 2; i <= 4 && n >= i; i += 2)
        {
            int rlo = r[n - i], rhi = r[n - i + 1];
            if (lo <= rhi + 1 && rlo <= hi + 1)
            {
                r[n - i] = Math.Min(lo, rlo);
                r[n - i + 1] = Math.Max(hi, rhi);
                return;
            }
        }
        r.Add(lo);
        r.Add(hi);
    }

    public static void AppendLiteral(List<int> r, int x, ParseFlags flags)
    {
        if ((flags & ParseFlags.FoldCase) != 0)
            AppendFoldedRange(r, x, x);
        else
            AppendRange(r, x, x);
    }

    /// <summary>Appends lo-hi and every rune case-equivalent to one in it.</summary>
    public static void AppendFoldedRange(List<int> r, int lo, int hi)
    {
        if (lo <= MinFold && hi >= MaxFold || hi < MinFold || lo > MaxFold)
        {
            AppendRange(r, lo, hi);
            return;
        }
        if (lo < MinFold)
        {
            AppendRange(r, lo, MinFold - 1);
            lo = MinFold;
        }
        if (hi > MaxFold)
        {
            AppendRange(r, MaxFold + 1, hi);
            hi = MaxFold;
        }
        for (var c = lo; c <= hi; c++)
        {
            AppendRange(r, c, c);
            for (var f = UnicodeTables.SimpleFold(c); f != c; f = UnicodeTables.SimpleFold(f))
                AppendRange(r, f, f);
        }
    }

    public static void AppendClass(List<int> r, IReadOnlyList<int> x)
    {
        for (var i = 0; i < x.Count; i += 2)
            AppendRange(r, x[i], x[i + 1]);
    }

    public static void AppendFoldedClass(List<int> r, IReadOnlyList<int> x)
    {
        for (var i = 0; i < x.Count; i += 2)
            AppendFoldedRange(r, x[i], x[i + 1]);
    }

    /// <summary>Appends the complement of the clean class <paramref name="x"/>.</summary>
    public static void AppendNegatedClass(List<int> r, IReadOnlyList<int> x)
    {
        var nextLo = 0;
        for (var i = 0; i < x.Count; i += 2)
        {
            if (nextLo <= x[i] - 1)
                AppendRange(r, nextLo, x[i] - 1);
            nextLo = x[i + 1] + 1;
        }
        if (nextLo <= MaxRune)
            AppendRange(r, nextLo, MaxRune);
    }

    public static void AppendTable(List<int> r, UnicodeTable table)
    {
        foreach (var (lo, hi, stride) in table.Ranges)
        {
            if (stride == 1)
            {
                AppendRange(r, lo, hi);
                continue;
            }
            for (var c = lo; c <= hi; c += stride)
                AppendRange(r, c, c);
        }
    }

    public static void AppendNegatedTable(List<int> r, UnicodeTable table)
    {
        var nextLo = 0;
        foreach (var (lo, hi, stride) in table.Ranges)
        {
            if (stride == 1)
            {
                if (nextLo <= lo - 1)
                    AppendRange(r, nextLo, lo - 1);
                nextLo = hi + 1;
                continue;
            }
            for (var c = lo; c <= hi; c += stride)
            {
                if (nextLo <= c - 1)
                    AppendRange(r, nextLo, c - 1);
                nextLo = c + 1;
            }
        }
        if (nextLo <= MaxRune)
            AppendRange(r, nextLo, MaxRune);
    }

    /// <summary>Sorts the ranges (lo ascending, hi descending), merges overlapping and abutting ones.</summary>
    public static void Clean(List<int> r)
    {
        if (r.Count < 4)
            return;
        var pairs = new (int Lo, int Hi)[r.Count / 2];
        for (var i = 0; i < pairs.Length; i++)
            pairs[i] = (r[2 * i], r[2 * i + 1]);
        Array.Sort(pairs, (a, b) => a.Lo != b.Lo ? a.Lo.CompareTo(b.Lo) : b.Hi.CompareTo(a.Hi));
        r.Clear();
        r.Add(pairs[0].Lo);
        r.Add(pairs[0].Hi);
        foreach (var (lo, hi) in pairs.AsSpan(1))
        {
            if (lo <= r[^1] + 1)
                r[^1] = Math.Max(r[^1], hi);
            else
            {
                r.Add(lo);
                r.Add(hi);
            }
        }
    }

    /// <summary>Replaces the clean class with its complement.</summary>
    public static void Negate(List<int> r)
    {
        var x = r.ToArray();
        r.Clear();
        AppendNegatedClassRaw(r, x);
    }

    // Like AppendNegatedClass into an empty list, without merging (the complement of a clean class is clean).
    private static void AppendNegatedClassRaw(List<int> r, int[] x)
    {
        var nextLo = 0;
        for (var i = 0; i < x.Length; i += 2)
        {
            if (nextLo <= x[i] - 1)
            {
                r.Add(nextLo);
                r.Add(x[i] - 1);
            }
            nextLo = x[i + 1] + 1;
        }
        if (nextLo <= MaxRune)
        {
            r.Add(nextLo);
            r.Add(MaxRune);
        }
    }

    public static bool Contains(IReadOnlyList<int> r, int c)
    {
        for (var i = 0; i < r.Count; i += 2)
        {
            if (r[i] <= c && c <= r[i + 1])
                return true;
        }
        return false;
    }
}
