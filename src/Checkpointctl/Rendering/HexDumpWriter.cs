using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Criu;

namespace Checkpointctl.Cli.Rendering;

/// <summary>
/// Upstream's hexdump rows (<c>%016x  xx xx … |ascii|</c>) formatted straight into bytes. With <c>compact</c>,
/// a run of rows whose bytes equal the previous row's becomes one <c>*</c> line (upstream compared only the ASCII
/// column and so hid different data).
/// </summary>
internal sealed class HexDumpWriter(Stream output, bool compact) : IMemorySink
{
    public const string Header = "Address           Hexadecimal                                       ASCII            ";
    private const int RowBytes = 86;
    private static readonly byte[] HexDigits = "0123456789abcdef"u8.ToArray();

    private readonly byte[] _buffer = new byte[RowBytes * 8192];
    private readonly byte[] _previous = new byte[16];
    private int _used;
    private bool _hasPrevious;
    private bool _starred;
    private ulong _next;

    public void Begin(Pagemap pagemap)
    {
        var header = System.Text.Encoding.ASCII.GetBytes(Header + "\n" + new string('-', Header.Length) + "\n");
        output.Write(header);
    }

    public void Write(ulong address, ReadOnlySpan<byte> data)
    {
        // Never fold across a gap: the first row of a new run shows where its addresses start.
        if (address != _next)
            _hasPrevious = _starred = false;
        _next = address + (ulong)data.Length;
        for (var offset = 0; offset < data.Length; offset += 16)
        {
            var row = data.Slice(offset, Math.Min(16, data.Length - offset));
            if (compact && _hasPrevious && row.Length == 16 && row.SequenceEqual(_previous))
            {
                if (!_starred)
                {
                    Reserve(2);
                    _buffer[_used++] = (byte)'*';
                    _buffer[_used++] = (byte)'\n';
                    _starred = true;
                }
                continue;
            }
            _starred = false;
            FormatRow(address + (ulong)offset, row);
            if (row.Length == 16)
            {
                row.CopyTo(_previous);
                _hasPrevious = true;
            }
        }
    }

    public void End() => Flush();

    /// <summary>A line between rows (a mapping's heading with memparse's filters); rows after it never fold into earlier ones.</summary>
    public void Section(string line)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(line + "\n");
        Reserve(bytes.Length);
        if (bytes.Length > _buffer.Length)
        {
            Flush();
            output.Write(bytes);
        }
        else
        {
            bytes.CopyTo(_buffer, _used);
            _used += bytes.Length;
        }
        _hasPrevious = _starred = false;
    }

    public void Flush()
    {
        output.Write(_buffer, 0, _used);
        _used = 0;
    }

    private void Reserve(int bytes)
    {
        if (_used + bytes > _buffer.Length)
            Flush();
    }

    private void FormatRow(ulong address, ReadOnlySpan<byte> row)
    {
        Reserve(RowBytes);
        var b = _buffer.AsSpan(_used, RowBytes);
        for (var i = 15; i >= 0; i--)
        {
            b[i] = HexDigits[(int)(address & 0xF)];
            address >>= 4;
        }
        b[16] = b[17] = (byte)' ';
        for (var i = 0; i < 16; i++)
        {
            var at = 18 + 3 * i;
            if (i < row.Length)
            {
                b[at] = HexDigits[row[i] >> 4];
                b[at + 1] = HexDigits[row[i] & 0xF];
            }
            else
            {
                b[at] = b[at + 1] = (byte)' ';
            }
            b[at + 2] = (byte)' ';
        }
        b[66] = (byte)' ';
        b[67] = (byte)'|';
        for (var i = 0; i < row.Length; i++)
            b[68 + i] = row[i] is >= 32 and < 127 ? row[i] : (byte)'.';
        b[68 + row.Length] = (byte)'|';
        b[69 + row.Length] = (byte)'\n';
        _used += 70 + row.Length;
    }
}
