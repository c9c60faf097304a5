using System.Numerics;
using System.Text;

namespace Checkpointctl.Core.Criu.Crit;

/// <summary>Python's <c>base64.encodebytes</c>, <c>quopri.encodestring</c> and <c>ipaddress</c> text, as crit uses them.</summary>
internal static class CritEncodings
{
    /// <summary>MIME base64: lines of 76 characters, each ending in a newline (the last too); empty input gives "".</summary>
    public static string Base64Lines(ReadOnlySpan<byte> data)
    {
        var encoded = Convert.ToBase64String(data);
        var text = new StringBuilder(encoded.Length + encoded.Length / 76 + 1);
        for (var i = 0; i < encoded.Length; i += 76)
            text.Append(encoded, i, Math.Min(76, encoded.Length - i)).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// <c>binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)</c>: CPython's algorithm, lines of at most 76
    /// characters with <c>=</c> soft breaks.
    /// </summary>
    public static string QuotedPrintable(ReadOnlySpan<byte> data)
    {
        const int maxLine = 76;
        var lf = data.IndexOf((byte)'\n');
        var crlf = lf > 0 && data[lf - 1] == '\r';
        var newline = crlf ? "\r\n" : "\n";
        var output = new StringBuilder();
        var lineLength = 0;
        var i = 0;
        while (i < data.Length)
        {
            var c = data[i];
            var last = i + 1 == data.Length;
            var next = last ? (byte)0 : data[i + 1];
            var encode = c > 126 || c == '='
                || (c == '.' && lineLength == 0 && (last || next is (byte)'\n' or (byte)'\r' or 0))
                || (c is (byte)'\t' or (byte)' ' && last)
                || (c < 33 && c != '\r' && c != '\n' && c != '\t' && c != ' ');
            if (encode)
            {
                if (lineLength + 3 >= maxLine)
                {
                    output.Append('=').Append(newline);
                    lineLength = 0;
                }
                output.Append('=').Append(c.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                lineLength += 3;
                i++;
            }
            else if (c == '\n' || (c == '\r' && !last && next == '\n'))
            {
                lineLength = 0;
                // Whitespace before a line break is protected.
                if (output.Length > 0 && output[^1] is ' ' or '\t')
                {
                    var ws = output[^1];
                    output.Length--;
                    output.Append('=').Append(((int)ws).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
                output.Append(newline);
                i += c == '\r' ? 2 : 1;
            }
            else
            {
                if (!last && next != '\n' && lineLength + 1 >= maxLine)
                {
                    output.Append('=').Append(newline);
                    lineLength = 0;
                }
                lineLength++;
                output.Append((char)c);
                i++;
            }
        }
        return output.ToString();
    }

    /// <summary><c>ipaddress.ip_address(n).compressed</c> of crit's <c>ipadd</c> words (network byte order, one or four).</summary>
    public static string IpAddress(IList<uint> words)
    {
        if (words.Count == 1)
        {
            var v = Ntohl(words[0]);
            return $"{v >> 24}.{(v >> 16) & 0xff}.{(v >> 8) & 0xff}.{v & 0xff}";
        }
        BigInteger value = 0;
        for (var i = 0; i < 4; i++)
            value = (value << 32) | (i < words.Count ? Ntohl(words[i]) : 0u);
        var hextets = new string[8];
        for (var i = 0; i < 8; i++)
            hextets[i] = ((int)((value >> (16 * (7 - i))) & 0xffff)).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        // Python compresses the first longest run of at least two zero groups.
        int bestStart = -1, bestLength = 0, start = -1, length = 0;
        for (var i = 0; i < 8; i++)
        {
            if (hextets[i] == "0")
            {
                if (start < 0)
                    start = i;
                length++;
                if (length > bestLength)
                {
                    bestLength = length;
                    bestStart = start;
                }
            }
            else
            {
                start = -1;
                length = 0;
            }
        }
        if (bestLength < 2)
            return string.Join(':', hextets);
        var head = string.Join(':', hextets[..bestStart]);
        var tail = string.Join(':', hextets[(bestStart + bestLength)..]);
        return head + "::" + tail;
    }

    private static uint Ntohl(uint v) => BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v) : v;
}
