using System.Text.RegularExpressions;

namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>Enumerates matches as Go's <c>FindAllIndex</c> does (see <see cref="GoRegex.Matches"/>).</summary>
public ref struct GoMatchEnumerator
{
    private Regex.ValueMatchEnumerator _matches;
    private int _previousEnd;

    internal GoMatchEnumerator(Regex.ValueMatchEnumerator matches, int previousEnd)
    {
        _matches = matches;
        _previousEnd = previousEnd;
    }

    public GoMatch Current { get; private set; }

    public readonly GoMatchEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (_matches.MoveNext())
        {
            var m = _matches.Current;
            // Go ignores an empty match right after the previous match (then moves on one character, as .NET does).
            if (m.Length == 0 && m.Index == _previousEnd)
                continue;
            _previousEnd = m.Index + m.Length;
            Current = new GoMatch(m.Index, m.Length);
            return true;
        }
        return false;
    }
}
