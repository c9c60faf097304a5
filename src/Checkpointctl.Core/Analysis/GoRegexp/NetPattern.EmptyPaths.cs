namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>
/// Loops whose body can match empty, written out as Go runs them. Go's matcher visits each instruction once per
/// position, so when an iteration ends where it started, the loop cannot go round again: that path leaves the loop,
/// with that path's priority on entry, and is dropped after an iteration that consumed text (leaving then comes
/// last). .NET's engines decide differently, so such a loop is written as an ordered alternation of the body's
/// paths: those that consume text continue with the body's consuming paths repeated, those that match empty leave.
/// A path is a segment of the pattern that either always consumes text or never does (anchors, empty).
/// </summary>
internal sealed partial class NetPattern
{
    private readonly record struct Path(string Pattern, bool Empty);

    private readonly Dictionary<Node, List<Path>> _paths = new(ReferenceEqualityComparer.Instance);

    private static bool CanBeEmpty(Node re) => re.Op switch
    {
        Op.Literal or Op.CharClass or Op.AnyCharNotNL or Op.AnyChar or Op.NoMatch => false,
        Op.Capture or Op.Plus => CanBeEmpty(re.Subs[0]),
        Op.Repeat => re.Min == 0 || CanBeEmpty(re.Subs[0]),
        Op.Concat => re.Subs.All(CanBeEmpty),
        Op.Alternate => re.Subs.Any(CanBeEmpty),
        _ => true, // empty, anchors, *, ?
    };

    private static string Alternation(List<Path> paths) => paths.Count switch
    {
        0 => Nothing,
        1 => paths[0].Pattern.Length == 0 ? "(?:)" : "(?:" + paths[0].Pattern + ")",
        _ => "(?:" + string.Join('|', paths.Select(p => p.Pattern)) + ")",
    };

    /// <summary>The paths of <paramref name="re"/> in Go's priority order.</summary>
    private List<Path> Paths(Node re)
    {
        if (!_paths.TryGetValue(re, out var paths))
        {
            paths = CanBeEmpty(re) ? PathsOf(re) : [new Path(Write(re), false)];
            Spend(paths.Sum(p => (long)p.Pattern.Length + 1));
            _paths[re] = paths;
        }
        return paths;
    }

    private List<Path> PathsOf(Node re) => re.Op switch
    {
        Op.EmptyMatch => [new Path("", true)],
        Op.Capture => Paths(re.Subs[0]),
        Op.Alternate => re.Subs.SelectMany(Paths).ToList(),
        Op.Concat => ConcatPaths(re.Subs, 0),
        Op.Quest => IsLazy(re) ? [new Path("", true), .. Paths(re.Subs[0])] : [.. Paths(re.Subs[0]), new Path("", true)],
        Op.Star => StarPaths(re.Subs[0], IsLazy(re)),
        Op.Plus => PlusPaths(re.Subs[0], IsLazy(re)),
        Op.Repeat => Paths(ExpandRepeat(re)),
        _ => [new Path(Write(re), true)], // an anchor
    };

    // Paths of subs[i..]: a consuming path of subs[i] continues with the rest as written; an empty one with the
    // rest's paths.
    private List<Path> ConcatPaths(List<Node> subs, int i)
    {
        if (i == subs.Count)
            return [new Path("", true)];
        var result = new List<Path>();
        List<Path>? rest = null;
        foreach (var first in Paths(subs[i]))
        {
            if (!first.Empty)
            {
                result.Add(new Path(first.Pattern + string.Concat(subs.Skip(i + 1).Select(Write)), false));
                continue;
            }
            rest ??= ConcatPaths(subs, i + 1);
            result.AddRange(rest.Select(p => new Path(first.Pattern + p.Pattern, p.Empty)));
        }
        return result;
    }

    // x*: on entry the body's paths (consuming ones go round, the first empty one leaves), then leaving.
    private List<Path> StarPaths(Node body, bool lazy)
    {
        var again = Repeated(body, lazy);
        if (lazy)
            return [new Path("", true), .. Paths(body).Where(p => !p.Empty).Select(p => new Path(p.Pattern + again, false))];
        return [.. Paths(body).Select(p => p.Empty ? p : new Path(p.Pattern + again, false)), new Path("", true)];
    }

    // x+: the body's paths on entry (an empty one leaves), without the extra way out of x*.
    private List<Path> PlusPaths(Node body, bool lazy)
    {
        var again = Repeated(body, lazy);
        return Paths(body).Select(p => p.Empty ? p : new Path(p.Pattern + again, false)).ToList();
    }

    // More iterations after one that consumed text: only consuming paths; leaving comes last (first if lazy).
    private string Repeated(Node body, bool lazy)
    {
        var consuming = Paths(body).Where(p => !p.Empty).Select(p => p.Pattern).ToList();
        if (consuming.Count == 0)
            return "";
        return "(?:" + string.Join('|', consuming) + (lazy ? ")*?" : ")*");
    }

    // x{n,m} as Go's simplification writes it: n copies, then m-n nested optional copies (x{n,}: n-1 copies and x+).
    private static Node ExpandRepeat(Node re)
    {
        var x = re.Subs[0];
        var flags = re.Flags & ParseFlags.NonGreedy;
        var parts = new List<Node>();
        if (re.Max == -1)
        {
            if (re.Min == 0)
                return Make(Op.Star, flags, x);
            parts.AddRange(Enumerable.Repeat(x, re.Min - 1));
            parts.Add(Make(Op.Plus, flags, x));
        }
        else
        {
            parts.AddRange(Enumerable.Repeat(x, re.Min));
            Node? suffix = null;
            for (var i = re.Min; i < re.Max; i++)
                suffix = Make(Op.Quest, flags, suffix == null ? x : Make(Op.Concat, ParseFlags.None, x, suffix));
            if (suffix != null)
                parts.Add(suffix);
        }
        return parts.Count switch
        {
            0 => new Node { Op = Op.EmptyMatch },
            1 => parts[0],
            _ => new Node { Op = Op.Concat, Subs = parts },
        };
    }

    private static Node Make(Op op, ParseFlags flags, params Node[] subs) => new() { Op = op, Flags = flags, Subs = [.. subs] };
}
