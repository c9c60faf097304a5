using System.Numerics;
using System.Text;
using Checkpointctl.Core.Analysis.GoRegexp;
using Checkpointctl.Core.Criu;

namespace Checkpointctl.Core.Analysis;

/// <summary>A search hit: where it starts and what it shows (match plus context, non-printable bytes as <c>?</c>).</summary>
public sealed record MemoryMatch(ulong Address, string Text);

/// <summary>
/// Searches a process's memory as it streams past (an <see cref="IMemorySink"/>). Memory is scanned as contiguous
/// virtual ranges through a sliding window, so matches across pages, read chunks and adjacent pagemap runs are found
/// and context is never clipped by a chunk edge. As upstream, text patterns see non-printable bytes as <c>?</c>;
/// hex patterns match raw bytes. Regexes are Go's (<see cref="GoRegex"/>, as upstream) on a linear-time engine,
/// so no pattern can hang the scan.
/// </summary>
public sealed class MemorySearch : IMemorySink
{
    /// <summary>Longest regex match guaranteed to be found whole.</summary>
    public const int MaxRegexMatch = 64 << 10;

    /// <summary>Largest <c>--context</c>, so the window stays small.</summary>
    public const int MaxContext = 1 << 20;

    /// <summary>Results are held to print one aligned table; past this the search stops with an error.</summary>
    public const int MaxMatches = 1_000_000;

    private readonly GoRegex? _regex;
    private char[] _text = [];
    private readonly byte[]? _needle;
    private readonly bool _raw;
    private readonly int _context;
    private readonly int _margin;
    private readonly List<MemoryMatch> _matches = [];

    // The window: bytes [_windowAddress, _windowAddress + _length) of the current contiguous range.
    private byte[] _window = [];
    private byte[] _shown = [];
    private int _length;
    private ulong _windowAddress;
    private ulong _rangeStart;
    private ulong _expected;
    private ulong _searchedUpTo;
    private ulong? _lastMatchEnd;
    private bool _inRange;

    private MemorySearch(GoRegex? regex, byte[]? needle, bool raw, int context)
    {
        if (context < 0)
            throw new InvalidCheckpointException("failed to search pattern in memory: context size cannot be negative");
        if (context > MaxContext)
            throw new InvalidCheckpointException($"failed to search pattern in memory: context size cannot be larger than {MaxContext}");
        _regex = regex;
        _needle = needle;
        _raw = raw;
        _context = context;
        _margin = needle != null ? Math.Max(needle.Length - 1, 0) : MaxRegexMatch;
    }

    /// <summary>A literal string (upstream quotes it into a regex; matched here directly).</summary>
    public static MemorySearch Literal(string text, int context) => new(null, Encoding.Latin1.GetBytes(text), false, context);

    /// <summary>A regular expression in Go's syntax, as upstream; throws upstream's message for one Go rejects.</summary>
    public static MemorySearch ForRegex(string pattern, int context) => ForRegex(CompileRegex(pattern), context);

    /// <summary>A compiled Go regular expression (see <see cref="CompileRegex"/>).</summary>
    public static MemorySearch ForRegex(GoRegex regex, int context) => new(regex, null, false, context);

    /// <summary>Compiles a <c>--search-regex</c> pattern, so that a bad one is refused before any input is read.</summary>
    public static GoRegex CompileRegex(string pattern)
    {
        try
        {
            return GoRegex.Compile(pattern);
        }
        catch (GoRegexSyntaxException e)
        {
            throw new InvalidCheckpointException($"failed to search pattern in memory: {e.Message}");
        }
    }

    /// <summary>Bytes written in hex, e.g. <c>de ad be ef</c> or <c>deadbeef</c>.</summary>
    public static MemorySearch Hex(string hex, int context)
    {
        var digits = hex.Replace(" ", "", StringComparison.Ordinal).Replace("0x", "", StringComparison.OrdinalIgnoreCase);
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(digits);
        }
        catch (FormatException)
        {
            throw new InvalidCheckpointException($"failed to search pattern in memory: invalid hex pattern \"{hex}\"");
        }
        if (bytes.Length == 0)
            throw new InvalidCheckpointException("failed to search pattern in memory: empty hex pattern");
        return new MemorySearch(null, bytes, true, context);
    }

    /// <summary>The matches found so far, in address order.</summary>
    public IReadOnlyList<MemoryMatch> Matches => _matches;

    /// <inheritdoc/>
    public void Begin(Pagemap pagemap)
    {
    }

    /// <inheritdoc/>
    public void Write(ulong address, ReadOnlySpan<byte> data)
    {
        if (_inRange && address != _expected)
            FinishRange();
        if (!_inRange)
        {
            _inRange = true;
            _rangeStart = _windowAddress = _searchedUpTo = address;
            _lastMatchEnd = null;
            _length = 0;
        }
        Append(data);
        _expected = address + (ulong)data.Length;
        // Search what can no longer gain a longer match or more context from bytes still to come.
        var keep = _margin + _context;
        if (_length > keep + _context)
            Search(_length - keep, final: false);
    }

    /// <inheritdoc/>
    public void End() => FinishRange();

    private void FinishRange()
    {
        if (!_inRange)
            return;
        Search(_length, final: true);
        _inRange = false;
        _length = 0;
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_length + data.Length > _window.Length)
        {
            Array.Resize(ref _window, Math.Max(_window.Length * 2, _length + data.Length));
            Array.Resize(ref _shown, _window.Length);
        }
        // Raw bytes are kept only for hex patterns; text patterns and all display use the printable copy.
        if (_raw)
            data.CopyTo(_window.AsSpan(_length));
        Printable(data, _shown.AsSpan(_length));
        _length += data.Length;
    }

    // Finds matches starting in [_searchedUpTo, window + limit), then drops what no later match can need.
    private void Search(int limit, bool final)
    {
        var from = (int)(_searchedUpTo - _windowAddress);
        var haystack = _raw ? _window.AsSpan(0, _length) : _shown.AsSpan(0, _length);
        var next = limit;
        if (_needle != null)
        {
            var pos = from;
            while (pos < limit)
            {
                var i = haystack[pos..].IndexOf(_needle);
                if (i < 0 || pos + i >= limit)
                    break;
                Add(pos + i, _needle.Length);
                pos += i + Math.Max(_needle.Length, 1);
            }
            next = Math.Max(limit, pos);
        }
        else
            next = SearchRegex(haystack, from, limit, final);
        _searchedUpTo = _windowAddress + (ulong)Math.Min(next, _length);
        if (final)
            return;
        // Keep the context before the next match, everything not yet searched, and the byte before it (\b, ^).
        var drop = Math.Max(0, Math.Min(next, _length) - Math.Max(_context, 1));
        if (_raw)
            Buffer.BlockCopy(_window, drop, _window, 0, _length - drop);
        Buffer.BlockCopy(_shown, drop, _shown, 0, _length - drop);
        _length -= drop;
        _windowAddress += (ulong)drop;
    }

    // Go's FindAllIndex over the range, resumed at 'from'; returns where the next search starts.
    private int SearchRegex(ReadOnlySpan<byte> haystack, int from, int limit, bool final)
    {
        var next = limit;
        // One char buffer for every search: a string per window (2 MiB each) would leave the GC heap growing.
        if (_text.Length < haystack.Length)
            _text = new char[_window.Length];
        var text = _text.AsSpan(0, Encoding.Latin1.GetChars(haystack, _text));
        var previousEnd = _lastMatchEnd is { } end && end >= _windowAddress ? (int)(end - _windowAddress) : -1;
        foreach (var m in _regex!.Matches(text, from, previousEnd))
        {
            if (m.Index >= limit && !final)
                break;
            Add(m.Index, m.Length);
            _lastMatchEnd = _windowAddress + (ulong)(m.Index + m.Length);
            next = Math.Max(next, m.Index + Math.Max(m.Length, 1));
        }
        return next;
    }

    private void Add(int index, int length)
    {
        if (_matches.Count >= MaxMatches)
            throw new InvalidCheckpointException($"failed to search pattern in memory: more than {MaxMatches} matches; use a more specific pattern");
        var start = Math.Max(0, index - _context);
        if (_windowAddress + (ulong)start < _rangeStart)
            start = (int)(_rangeStart - _windowAddress);
        var end = Math.Min(_length, index + length + _context);
        _matches.Add(new MemoryMatch(_windowAddress + (ulong)index, Encoding.Latin1.GetString(_shown, start, end - start)));
    }

    // Bytes below 32 or from 127 on show as '?', as upstream (vectorised: this runs over every byte scanned).
    private static void Printable(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var i = 0;
        var low = new Vector<byte>(32);
        var high = new Vector<byte>(127);
        var question = new Vector<byte>((byte)'?');
        for (; i <= source.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            var v = new Vector<byte>(source[i..]);
            var printable = Vector.GreaterThanOrEqual(v, low) & Vector.LessThan(v, high);
            Vector.ConditionalSelect(printable, v, question).CopyTo(destination[i..]);
        }
        for (; i < source.Length; i++)
        {
            var b = source[i];
            destination[i] = b is >= 32 and < 127 ? b : (byte)'?';
        }
    }
}
