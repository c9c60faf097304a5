namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>Enumerates matches as Go's <c>FindAllIndex</c> does (see <see cref="GoRegex.Matches"/>).</summary>
public ref struct GoMatchEnumerator
{
    private readonly GoRegex _regex;
    private readonly ReadOnlySpan<char> _text;
    private PikeVm? _vm;
    private int _pos;
    private int _previousEnd;

    internal GoMatchEnumerator(GoRegex regex, ReadOnlySpan<char> text, int startAt, int previousEnd)
    {
        _regex = regex;
        _text = text;
        _pos = startAt;
        _previousEnd = previousEnd;
    }

    /// <summary>The current match.</summary>
    public GoMatch Current { get; private set; }

    /// <summary>This enumerator, so that <c>foreach</c> works on it.</summary>
    public readonly GoMatchEnumerator GetEnumerator() => this;

    /// <summary>Finds the next match; false when there is none.</summary>
    public bool MoveNext()
    {
        if (_pos > _text.Length)
            return false;
        _vm ??= _regex.RentVm();
        while (_pos <= _text.Length)
        {
            if (!_vm.Match(_text, _pos, out var start, out var end))
                break;
            var accept = true;
            if (end == _pos)
            {
                // An empty match here: skipped right after the previous match; either way move on one character.
                accept = start != _previousEnd;
                _pos += _pos < _text.Length && char.IsHighSurrogate(_text[_pos]) && _pos + 1 < _text.Length && char.IsLowSurrogate(_text[_pos + 1]) ? 2 : 1;
            }
            else
                _pos = end;
            _previousEnd = end;
            if (accept)
            {
                Current = new GoMatch(start, end - start);
                return true;
            }
        }
        _pos = _text.Length + 1;
        _regex.ReturnVm(_vm);
        _vm = null;
        return false;
    }
}
