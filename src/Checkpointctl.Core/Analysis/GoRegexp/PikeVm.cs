namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>
/// Go's matcher (regexp's pikevm): all threads advance together one character at a time, in priority order, each
/// instruction at most once per position, so the time is linear in the text (times the program's size) whatever
/// the pattern, and the match found is the one Go finds (leftmost, then first by priority). Reuse it for one text
/// at a time.
/// </summary>
internal sealed class PikeVm
{
    private const int EndOfText = -1;

    private readonly Program _program;
    private readonly ThreadQueue _run;
    private readonly ThreadQueue _next;
    private readonly Stack<int> _stack = new();

    public PikeVm(Program program)
    {
        _program = program;
        _run = new ThreadQueue(program.Insts.Length);
        _next = new ThreadQueue(program.Insts.Length);
    }

    /// <summary>The leftmost-first match starting at or after <paramref name="pos"/>; text before it is context.</summary>
    public bool Match(ReadOnlySpan<char> text, int pos, out int start, out int end)
    {
        start = end = -1;
        var run = _run;
        var next = _next;
        run.Clear();
        next.Clear();
        var (r, width) = Decode(text, pos);
        var flag = Context(Previous(text, pos), r);
        var matched = false;
        while (true)
        {
            if (run.Count == 0)
            {
                if (matched)
                    break;
                // No thread alive: jump to where a match can begin.
                if (_program.FirstChars is { } first)
                {
                    var skip = text[pos..].IndexOfAny(first);
                    if (skip < 0)
                        break;
                    if (skip > 0)
                    {
                        pos += skip;
                        (r, width) = Decode(text, pos);
                        flag = Context(Previous(text, pos), r);
                    }
                }
            }
            if (!matched)
                Add(run, _program.Start, flag, pos);
            var (r1, _) = Decode(text, pos + width);
            var nextFlag = Context(r, width == 0 ? EndOfText : r1);
            matched |= Step(run, next, pos, r, nextFlag, ref start, ref end);
            if (width == 0)
                break;
            pos += width;
            (r, width) = Decode(text, pos);
            flag = nextFlag;
            (run, next) = (next, run);
        }
        return matched;
    }

    // Advances the threads over r; a thread that reaches Match ends the search for lower-priority ones.
    private bool Step(ThreadQueue run, ThreadQueue next, int pos, int r, EmptyOp nextFlag, ref int start, ref int end)
    {
        var matched = false;
        for (var j = 0; j < run.Count; j++)
        {
            var threadStart = run.Start[j];
            if (threadStart < 0)
                continue;
            ref readonly var inst = ref _program.Insts[run.Pc[j]];
            if (inst.Op == InstOp.Match)
            {
                start = threadStart;
                end = pos;
                matched = true;
                break;
            }
            if (r != EndOfText && inst.Set!.Contains(r))
                Add(next, inst.Out, nextFlag, threadStart);
        }
        run.Clear();
        return matched;
    }

    // Adds pc and what it leads to without reading, depth first, Out before Arg: the order is the priority.
    private void Add(ThreadQueue q, int pc, EmptyOp flag, int threadStart)
    {
        _stack.Push(pc);
        while (_stack.TryPop(out pc))
        {
            if (pc == 0 || q.Contains(pc))
                continue;
            ref readonly var inst = ref _program.Insts[pc];
            var slot = q.Add(pc);
            switch (inst.Op)
            {
                case InstOp.Alt:
                    _stack.Push(inst.Arg);
                    _stack.Push(inst.Out);
                    break;
                case InstOp.EmptyWidth:
                    if ((inst.Empty & ~flag) == 0)
                        _stack.Push(inst.Out);
                    break;
                case InstOp.Nop:
                    _stack.Push(inst.Out);
                    break;
                case InstOp.Rune or InstOp.Match:
                    q.Start[slot] = threadStart;
                    break;
            }
        }
    }

    // The code point at i and its length; a lone surrogate reads as U+FFFD; the end of the text as EndOfText, 0.
    private static (int Rune, int Width) Decode(ReadOnlySpan<char> text, int i)
    {
        if (i >= text.Length)
            return (EndOfText, 0);
        var c = text[i];
        if (!char.IsSurrogate(c))
            return (c, 1);
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            return (char.ConvertToUtf32(c, text[i + 1]), 2);
        return (0xFFFD, 1);
    }

    private static int Previous(ReadOnlySpan<char> text, int i)
    {
        if (i <= 0)
            return EndOfText;
        var c = text[i - 1];
        if (char.IsLowSurrogate(c) && i >= 2 && char.IsHighSurrogate(text[i - 2]))
            return char.ConvertToUtf32(text[i - 2], c);
        return char.IsSurrogate(c) ? 0xFFFD : c;
    }

    /// <summary>Which zero-width conditions hold between r1 and r2 (Go's EmptyOpContext; EndOfText at the edges).</summary>
    internal static EmptyOp Context(int r1, int r2)
    {
        var op = EmptyOp.NoWordBoundary;
        var boundary = false;
        if (IsWordChar(r1))
            boundary = true;
        else if (r1 == '\n')
            op |= EmptyOp.BeginLine;
        else if (r1 < 0)
            op |= EmptyOp.BeginText | EmptyOp.BeginLine;
        if (IsWordChar(r2))
            boundary = !boundary;
        else if (r2 == '\n')
            op |= EmptyOp.EndLine;
        else if (r2 < 0)
            op |= EmptyOp.EndText | EmptyOp.EndLine;
        if (boundary)
            op ^= EmptyOp.WordBoundary | EmptyOp.NoWordBoundary;
        return op;
    }

    // Go's \b is ASCII: [0-9A-Za-z_].
    private static bool IsWordChar(int r) => r is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_';

    /// <summary>A sparse set of instructions in insertion order, each with its thread's start (-1: no thread).</summary>
    private sealed class ThreadQueue(int size)
    {
        private readonly int[] _sparse = new int[size];
        public readonly int[] Pc = new int[size];
        public readonly int[] Start = new int[size];
        public int Count;

        public bool Contains(int pc)
        {
            var i = _sparse[pc];
            return i < Count && Pc[i] == pc;
        }

        public int Add(int pc)
        {
            _sparse[pc] = Count;
            Pc[Count] = pc;
            Start[Count] = -1;
            return Count++;
        }

        public void Clear() => Count = 0;
    }
}
