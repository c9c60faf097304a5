using System.Buffers;

namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>
/// The characters a match can begin with, so that the matcher can skip text where none can (a vectorised search).
/// None if a match can begin anywhere: when the program can match without reading a character.
/// </summary>
internal static class FirstCharacters
{
    public static SearchValues<char>? Of(Inst[] insts, int start)
    {
        var chars = new bool[0x10000];
        var seen = new HashSet<int>();
        var stack = new Stack<int>([start]);
        while (stack.TryPop(out var pc))
        {
            if (pc == 0 || !seen.Add(pc))
                continue;
            var inst = insts[pc];
            switch (inst.Op)
            {
                case InstOp.Match:
                    return null;
                case InstOp.Alt:
                    stack.Push(inst.Arg);
                    stack.Push(inst.Out);
                    break;
                case InstOp.EmptyWidth or InstOp.Nop:
                    stack.Push(inst.Out);
                    break;
                case InstOp.Rune:
                    Mark(chars, inst.Set!.Ranges);
                    break;
            }
        }
        var list = Enumerable.Range(0, chars.Length).Where(c => chars[c]).Select(c => (char)c).ToArray();
        return list.Length == chars.Length ? null : SearchValues.Create(list);
    }

    // Code points as the UTF-16 units they start with: above U+FFFF a high surrogate; U+FFFD also stands for a lone
    // surrogate, which the matcher reads as U+FFFD.
    private static void Mark(bool[] chars, IReadOnlyList<int> ranges)
    {
        for (var i = 0; i < ranges.Count; i += 2)
        {
            int lo = ranges[i], hi = ranges[i + 1];
            for (var c = lo; c <= Math.Min(hi, 0xFFFF); c++)
                chars[c] = true;
            if (hi >= 0x10000)
                Array.Fill(chars, true, 0xD800, 0x400);
            if (lo <= 0xFFFD && hi >= 0xFFFD)
                Array.Fill(chars, true, 0xD800, 0x800);
        }
    }
}
