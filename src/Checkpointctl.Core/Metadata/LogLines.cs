using System.Text;

namespace Checkpointctl.Core.Metadata;

/// <summary>Reads a log member line by line as it streams by; lines are cut at <see cref="MaxLineLength"/> characters.</summary>
internal static class LogLines
{
    /// <summary>Longest line kept (the rest is cut): a log line is short, a hostile one need not be.</summary>
    public const int MaxLineLength = 4096;

    public static void ForEach(Stream stream, Action<string> line)
    {
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16, leaveOpen: true);
        var current = new StringBuilder();
        var buffer = new char[1 << 14];
        int n;
        while ((n = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            foreach (var c in buffer.AsSpan(0, n))
            {
                if (c == '\n')
                {
                    line(current.ToString().TrimEnd('\r'));
                    current.Clear();
                }
                else if (current.Length < MaxLineLength)
                {
                    current.Append(c);
                }
            }
        }
        if (current.Length > 0)
            line(current.ToString().TrimEnd('\r'));
    }

    /// <summary>Keeps the last <paramref name="count"/> lines (all when negative, up to <paramref name="cap"/>).</summary>
    public static void KeepLast(Queue<string> tail, string line, int count, int cap)
    {
        var limit = count < 0 ? cap : Math.Min(count, cap);
        if (limit == 0)
            return;
        if (tail.Count == limit)
            tail.Dequeue();
        tail.Enqueue(line);
    }
}
