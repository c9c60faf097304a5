using System.Buffers.Binary;

namespace Checkpointctl.Core.Archive;

/// <summary>
/// Sits under <see cref="System.Formats.Tar.TarReader"/> and checks every tar header that passes through it, as Go's
/// archive/tar does. TarReader checks none: a header with a few random bytes reads as an entry, and one whose checksum
/// field is zeroed reads as the end of the archive. This stream follows the block structure TarReader follows (a
/// 512-byte header, then its data padded to whole blocks; the size from the header in octal or base-256, from the
/// <c>size</c> record of a PAX <c>x</c> header just before it, or none for header-only types) and checks each
/// header's checksum: the unsigned or signed sum of its bytes, the checksum field counted as spaces. Only two zero
/// blocks end an archive.
/// </summary>
/// <remarks>
/// The reader's view and this one must agree, so sequences where they could differ are refused: a PAX or GNU
/// metadata header right after an <c>x</c> header, and an <c>x</c> or <c>g</c> header right after a GNU long name or
/// link. <see cref="CheckEntry"/> checks that each entry TarReader returns is the header checked last, with the same
/// size; <see cref="CheckEnd"/> reads the part of the end marker TarReader stops before.
/// </remarks>
internal sealed class TarHeaderCheckStream(Stream inner) : Stream
{
    private const int Block = 512;
    private const long UnknownPaxSize = -1;

    private readonly byte[] _header = new byte[Block];
    private long _read;
    private long _next;
    private int _filled;
    private int _zeroBlocks;
    private byte _previousType;
    private long _lastDataStart, _lastSize;
    private bool _entryPending;
    private byte[]? _pax;
    private int _paxFilled;
    private long _paxStart;
    private long? _paxSize;

    /// <summary>Offset in the tar stream of the header read last (for messages).</summary>
    public long HeaderOffset { get; private set; }

    /// <summary>Nothing at all was read: an empty input, which holds no entries (as in Go) rather than a damaged one.</summary>
    public bool IsEmpty => _next == 0 && _filled == 0 && _zeroBlocks == 0 && Offset == 0;

    private long Offset => inner.CanSeek ? inner.Position : _read;

    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var at = Offset;
        var n = inner.Read(buffer);
        _read = at + n;
        if (_zeroBlocks < 2)
            Observe(at, buffer[..n]);
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Called with each entry TarReader returns: it must be the entry header checked last, with the same size.</summary>
    public void CheckEntry(long length)
    {
        var at = Offset;
        if (!_entryPending || length != _lastSize || _filled != 0 || (at != _lastDataStart && at != _next))
            throw new InvalidTarHeaderException(HeaderOffset);
        _entryPending = false;
    }

    /// <summary>
    /// Called when TarReader reports the end of the archive. It stops at the first zero block, or without reading
    /// at the end of a seekable stream; the rest of the end marker is read here. A missing or partial end marker is
    /// <see cref="EndOfStreamException"/>, anything but zeros an invalid header.
    /// </summary>
    public void CheckEnd()
    {
        if (inner.CanSeek)
            inner.Position = _next + _filled;
        Span<byte> block = stackalloc byte[Block];
        while (_zeroBlocks < 2)
        {
            if (Read(block[..(Block - _filled)]) == 0)
            {
                if (IsEmpty)
                    return;
                throw new EndOfStreamException();
            }
            if (_entryPending)
                throw new InvalidTarHeaderException(HeaderOffset);
        }
    }

    // Sorts the bytes just read into data (of the previous entry) and header bytes, in order.
    private void Observe(long at, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty && _zeroBlocks < 2)
        {
            int n;
            if (at < _next)
            {
                n = (int)Math.Min(bytes.Length, _next - at);
                CollectPax(at, bytes[..n]);
            }
            else
            {
                // A header skipped or read out of order: the reader no longer follows the block structure.
                if (at != _next + _filled)
                    throw new InvalidTarHeaderException(_next);
                n = Math.Min(bytes.Length, Block - _filled);
                bytes[..n].CopyTo(_header.AsSpan(_filled));
                _filled += n;
                if (_filled == Block)
                    OnHeader();
            }
            at += n;
            bytes = bytes[n..];
        }
    }

    private void OnHeader()
    {
        var offset = HeaderOffset = _next;
        _filled = 0;
        if (!_header.AsSpan().ContainsAnyExcept((byte)0))
        {
            _zeroBlocks++;
            _next += Block;
            return;
        }
        var type = _header[156];
        var previous = _previousType;
        _previousType = type;
        if (_zeroBlocks > 0 || _pax != null || !ChecksumMatches(_header) || !TryParseSize(_header.AsSpan(124, 12), out var size) || !DeviceNumbersParse(_header)
            || (previous is (byte)'L' or (byte)'K' && type is (byte)'x' or (byte)'g')
            || (previous == 'x' && (type is (byte)'x' or (byte)'g' or (byte)'L' or (byte)'K' || _paxSize == UnknownPaxSize)))
            throw new InvalidTarHeaderException(offset);
        if (previous == 'x' && _paxSize is { } paxSize)
            size = paxSize;
        _paxSize = null;
        // Links, devices, directories and FIFOs have no data whatever their size field says.
        if (type is >= (byte)'1' and <= (byte)'6')
            size = 0;
        var dataStart = offset + Block;
        if (size > long.MaxValue - dataStart - Block)
            throw new InvalidTarHeaderException(offset);
        _next = dataStart + (size + Block - 1) / Block * Block;
        (_lastDataStart, _lastSize) = (dataStart, size);
        _entryPending = type is not ((byte)'x' or (byte)'L' or (byte)'K');
        if (type == 'x' && size > 0)
        {
            // Larger PAX data is refused by TarMetadataLimitStream above before it is read.
            if (size > TarMetadataLimitStream.MaxMetadataBytes)
                _paxSize = UnknownPaxSize;
            else
                (_pax, _paxStart, _paxFilled) = (new byte[size], dataStart, 0);
        }
    }

    private void CollectPax(long at, ReadOnlySpan<byte> bytes)
    {
        if (_pax == null || at >= _paxStart + _pax.Length)
            return;
        if (at != _paxStart + _paxFilled)
            throw new InvalidTarHeaderException(HeaderOffset);
        var n = (int)Math.Min(bytes.Length, _pax.Length - _paxFilled);
        bytes[..n].CopyTo(_pax.AsSpan(_paxFilled));
        _paxFilled += n;
        if (_paxFilled == _pax.Length)
        {
            _paxSize = PaxSize(_pax);
            _pax = null;
        }
    }

    // As Go's getFormat: the stored sum is the unsigned or the signed sum of the header's bytes, with the checksum
    // field itself counted as eight spaces.
    private static bool ChecksumMatches(ReadOnlySpan<byte> header)
    {
        if (!TryParseGoOctal(header.Slice(148, 8), out var stored))
            return false;
        long unsigned = 0, signed = 0;
        for (var i = 0; i < Block; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : header[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        return stored == unsigned || stored == signed;
    }

    // What both Go and TarReader read alike: octal digits between spaces and NULs, or GNU base-256 with the first byte
    // 0x80 and a value below 2^63 (other base-256 values are negative or too large for both).
    private static bool TryParseSize(ReadOnlySpan<byte> field, out long size)
    {
        size = 0;
        if (field[0] == 0x80)
        {
            if (field.Slice(1, 3).ContainsAnyExcept((byte)0) || field[4] >= 0x80)
                return false;
            size = BinaryPrimitives.ReadInt64BigEndian(field[4..]);
            return true;
        }
        return (field[0] & 0x80) == 0 && TryParseOctal(field.Trim(" \0"u8), out size);
    }

    // Go reads the device numbers of every ustar and GNU header (TarReader only those of devices): octal garbage
    // there makes the header invalid. Base-256 values of eight bytes always fit.
    private static bool DeviceNumbersParse(ReadOnlySpan<byte> header)
    {
        var magic = header.Slice(257, 8);
        if (!magic.StartsWith("ustar\0"u8) && !magic.SequenceEqual("ustar  \0"u8))
            return true;
        return ((header[329] & 0x80) != 0 || TryParseGoOctal(header.Slice(329, 8), out _))
               && ((header[337] & 0x80) != 0 || TryParseGoOctal(header.Slice(337, 8), out _));
    }

    // Go's parseOctal: spaces and NULs around the digits, which end at the first NUL.
    private static bool TryParseGoOctal(ReadOnlySpan<byte> field, out long value)
    {
        field = field.Trim(" \0"u8);
        var nul = field.IndexOf((byte)0);
        return TryParseOctal(nul >= 0 ? field[..nul] : field, out value);
    }

    private static bool TryParseOctal(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (c is < (byte)'0' or > (byte)'7')
                return false;
            value = value * 8 + (c - '0');
        }
        return true;
    }

    // The size record of PAX data ("LENGTH KEY=VALUE\n" records filling it exactly), or null. What Go refuses (a
    // malformed record, a NUL in a key or in a path or name), a record with a newline inside (Go and TarReader would
    // split it differently) and a size that is not plain decimal digits make the header invalid.
    private long? PaxSize(ReadOnlySpan<byte> data)
    {
        long? size = null;
        while (!data.IsEmpty)
        {
            var space = data.IndexOf((byte)' ');
            if (space <= 0 || !TryParseDecimal(data[..space], out var length) || length > data.Length || length <= space + 1)
                throw new InvalidTarHeaderException(HeaderOffset);
            var record = data[(space + 1)..(int)length];
            var equals = record.IndexOf((byte)'=');
            if (record.IndexOf((byte)'\n') != record.Length - 1 || equals <= 0 || record[..equals].Contains((byte)0)
                || (IsNameKey(record[..equals]) && record[equals..].Contains((byte)0)))
                throw new InvalidTarHeaderException(HeaderOffset);
            if (record[..equals].SequenceEqual("size"u8))
            {
                if (size != null || !TryParseDecimal(record[(equals + 1)..^1], out var value))
                    throw new InvalidTarHeaderException(HeaderOffset);
                size = value;
            }
            data = data[(int)length..];
        }
        return size;
    }

    private static bool IsNameKey(ReadOnlySpan<byte> key) =>
        key.SequenceEqual("path"u8) || key.SequenceEqual("linkpath"u8) || key.SequenceEqual("uname"u8) || key.SequenceEqual("gname"u8);

    private static bool TryParseDecimal(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty)
            return false;
        foreach (var c in digits)
        {
            if (c is < (byte)'0' or > (byte)'9' || value > (long.MaxValue - 9) / 10)
                return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }
}

/// <summary>A tar header that fails its checksum or does not fit the archive's block structure.</summary>
internal sealed class InvalidTarHeaderException(long offset, Exception? inner = null) : Exception("archive/tar: invalid tar header", inner)
{
    /// <summary>Offset of the header in the tar stream (decompressed).</summary>
    public long Offset { get; } = offset;
}
