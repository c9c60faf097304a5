namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>
/// Go's limits on a regexp: nodes are allocated from a free list and counted as Go counts them, because Go only
/// starts measuring size and depth past certain counts, and the limits apply to Go's tree.
/// </summary>
internal sealed partial class Parser
{
    private const int MaxHeight = 1000;
    private const long MaxSize = (128 << 20) / 40; // compiled instructions in 128 MiB
    private const long MaxRunes = (128 << 20) / 4; // runes in 128 MiB

    private readonly Stack<Node> _free = new();
    private int _numRegexp;
    private long _numRunes;
    private long _repeats;
    private Dictionary<Node, int>? _height;
    private Dictionary<Node, long>? _size;

    private Node NewNode(Op op)
    {
        if (_free.TryPop(out var re))
            re.Reset(op);
        else
        {
            re = new Node { Op = op };
            _numRegexp++;
        }
        return re;
    }

    private void Reuse(Node re)
    {
        _height?.Remove(re);
        _free.Push(re);
    }

    private void CheckLimits(Node re)
    {
        if (_numRunes > MaxRunes)
            throw Error(ErrorCodes.Large, 0, End);
        CheckSize(re);
        CheckHeight(re);
    }

    private void CheckSize(Node re)
    {
        if (_size == null)
        {
            // Cheap test first: the number of nodes times the product of the repeats seen is within budget.
            if (_repeats == 0)
                _repeats = 1;
            if (re.Op == GoRegexp.Op.Repeat)
            {
                long n = re.Max == -1 ? re.Min : re.Max;
                n = Math.Max(n, 1);
                _repeats = n > MaxSize / _repeats ? MaxSize : _repeats * n;
            }
            if (_numRegexp < MaxSize / _repeats)
                return;
            _size = [];
            foreach (var item in _stack)
                CheckSize(item);
        }
        if (CalcSize(re, force: true) > MaxSize)
            throw Error(ErrorCodes.Large, 0, End);
    }

    // Instructions the node compiles to, pessimistically.
    private long CalcSize(Node re, bool force)
    {
        if (!force && _size!.TryGetValue(re, out var cached))
            return cached;
        long size = re.Op switch
        {
            GoRegexp.Op.Literal => re.Runes.Count,
            GoRegexp.Op.Capture or GoRegexp.Op.Star => 2 + CalcSize(re.Subs[0], false),
            GoRegexp.Op.Plus or GoRegexp.Op.Quest => 1 + CalcSize(re.Subs[0], false),
            GoRegexp.Op.Concat => re.Subs.Sum(s => CalcSize(s, false)),
            GoRegexp.Op.Alternate => re.Subs.Sum(s => CalcSize(s, false)) + Math.Max(re.Subs.Count - 1, 0),
            GoRegexp.Op.Repeat => RepeatSize(re, CalcSize(re.Subs[0], false)),
            _ => 0,
        };
        size = Math.Max(1, size);
        _size![re] = size;
        return size;
    }

    private static long RepeatSize(Node re, long sub) => re.Max != -1
        ? re.Max * sub + (re.Max - re.Min) // x{2,5} = xx(x(x(x)?)?)?
        : re.Min == 0 ? 2 + sub : 1 + re.Min * sub;

    private void CheckHeight(Node re)
    {
        if (_numRegexp < MaxHeight)
            return;
        if (_height == null)
        {
            _height = [];
            foreach (var item in _stack)
                CheckHeight(item);
        }
        if (CalcHeight(re, force: true) > MaxHeight)
            throw Error(ErrorCodes.NestingDepth, 0, End);
    }

    private int CalcHeight(Node re, bool force)
    {
        if (!force && _height!.TryGetValue(re, out var cached))
            return cached;
        var h = 1;
        foreach (var sub in re.Subs)
            h = Math.Max(h, 1 + CalcHeight(sub, false));
        _height![re] = h;
        return h;
    }

    // Whether the repeat and the repeats inside it make at most n copies of the innermost item.
    private static bool RepeatIsValid(Node re, int n)
    {
        if (re.Op == GoRegexp.Op.Repeat)
        {
            var m = re.Max;
            if (m == 0)
                return true;
            if (m < 0)
                m = re.Min;
            if (m > n)
                return false;
            if (m > 0)
                n /= m;
        }
        return re.Subs.All(sub => RepeatIsValid(sub, n));
    }
}

/// <summary>Go's regexp/syntax error codes, as Go prints them.</summary>
internal static class ErrorCodes
{
    public const string InvalidCharRange = "invalid character class range";
    public const string InvalidEscape = "invalid escape sequence";
    public const string InvalidNamedCapture = "invalid named capture";
    public const string InvalidPerlOp = "invalid or unsupported Perl syntax";
    public const string InvalidRepeatOp = "invalid nested repetition operator";
    public const string InvalidRepeatSize = "invalid repeat count";
    public const string InvalidUtf8 = "invalid UTF-8";
    public const string MissingBracket = "missing closing ]";
    public const string MissingParen = "missing closing )";
    public const string MissingRepeatArgument = "missing argument to repetition operator";
    public const string TrailingBackslash = "trailing backslash at end of expression";
    public const string UnexpectedParen = "unexpected )";
    public const string NestingDepth = "expression nests too deeply";
    public const string Large = "expression too large";
}
