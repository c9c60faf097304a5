using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Checkpointctl.Core.Criu;

namespace Checkpointctl.Core.Analysis.CoreDump;

/// <summary>
/// One core file being written: headers first, memory as its sources deliver it (each byte at its place, so the
/// sources may come in any order), notes last. All-zero memory is not written, which leaves holes in a sparse file.
/// </summary>
internal sealed class CoreFile
{
    private const int ChunkBytes = 1 << 20;
    private const int Buffers = 4;
    private const int PsargsBytes = 80;

    private readonly Stream _output;
    private readonly CoreSegment[] _byStart;
    private readonly ulong[] _maxEndUpTo;
    private readonly (ulong Start, ulong End) _args;
    private readonly byte[] _psargs;

    private CoreFile(uint pid, Stream output, CoreLayout layout, Pagemap pagemap, (ulong Start, ulong End) args)
    {
        Pid = pid;
        _output = output;
        Layout = layout;
        Pagemap = pagemap;
        _byStart = [.. layout.Segments.Where(s => s.FileSize > 0).OrderBy(s => s.Start)];
        _maxEndUpTo = new ulong[_byStart.Length];
        for (var i = 0; i < _byStart.Length; i++)
            _maxEndUpTo[i] = Math.Max(i > 0 ? _maxEndUpTo[i - 1] : 0, _byStart[i].FilledEnd);
        // The kernel's pr_psargs: at most 79 bytes of the argument area (the 80th is the terminating NUL).
        var argLength = args.End > args.Start ? Math.Min(args.End - args.Start, PsargsBytes - 1) : 0;
        _args = (args.Start, args.Start + argLength);
        _psargs = new byte[argLength];
    }

    public uint Pid { get; }

    public CoreLayout Layout { get; }

    /// <summary>The process's own pagemap.</summary>
    public Pagemap Pagemap { get; }

    /// <summary>The first bytes of the argument area as memory delivered them (zeros where it did not).</summary>
    public ReadOnlySpan<byte> Arguments => _psargs;

    /// <summary>Writes the headers and what the mapped files provide; memory and notes follow.</summary>
    public static CoreFile Begin(uint pid, Stream output, CoreLayout layout, Pagemap pagemap, CoreArch arch, (ulong Start, ulong End) args)
    {
        var core = new CoreFile(pid, output, layout, pagemap, args);
        core.Output(() =>
        {
            output.SetLength(layout.DataEnd);
            output.Position = 0;
            output.Write(Elf.CoreHeader(arch.Machine(), layout.ProgramHeaderCount));
            output.Write(core.ProgramHeaders(notesSize: 0));
            if (layout.ProgramHeaderCount >= Elf.ExtendedNumbering)
                output.Write(Elf.ExtendedNumberingSection(layout.ProgramHeaderCount));
        });
        core.FillFromFiles();
        return core;
    }

    /// <summary>Writes the process's own dumped memory (every mapping that holds any), reading it in address order.</summary>
    public void FillOwn(ProcessMemory memory)
    {
        // The layout was made with the page size known then (a streamed pass may not have seen every pages member).
        if (memory.Pagemap.PageSize != Layout.PageSize)
            throw new InvalidCheckpointException($"{Pagemap.Name}: pages of {memory.Pagemap.PageSize} bytes, laid out for {Layout.PageSize}");
        var wanted = Union(_byStart.Where(s => s.Info.Source != MappingSource.None).Select(s => (s.Start, s.FilledEnd)));
        Pipelined(Intersect(CoreMemory.Dumped(memory.Pagemap), wanted), memory.Read, (address, chunk) =>
        {
            CaptureArguments(address, chunk);
            foreach (var segment in Overlapping(address, address + (ulong)chunk.Length))
                Write(segment, address, chunk);
        });
    }

    /// <summary>The mappings of this core that show shared memory object <paramref name="shmid"/>.</summary>
    public IEnumerable<CoreSegment> SharedSegments(ulong shmid) =>
        _byStart.Where(s => s.Info.Source == MappingSource.Shared && s.Info.ShmemId == shmid);

    /// <summary>
    /// Writes the dumped pages of a shared memory object into every mapping of it in <paramref name="cores"/>, reading
    /// the object once in offset order; pages a process holds privately (COW) stay its own.
    /// </summary>
    public static void FillShared(ulong shmid, ProcessMemory shmem, IReadOnlyList<CoreFile> cores)
    {
        var targets = cores.SelectMany(c => c.SharedSegments(shmid).Select(s => (Core: c, Segment: s))).ToList();
        var wanted = Union(targets.Select(t => (t.Segment.ObjectOffset, t.Segment.ObjectOffset + t.Segment.FileSize)));
        Pipelined(Intersect(CoreMemory.Dumped(shmem.Pagemap), wanted), shmem.Read, (offset, chunk) =>
        {
            foreach (var (core, segment) in targets)
                core.WriteShared(segment, offset, chunk);
        });
    }

    /// <summary>Writes the notes after the memory and points PT_NOTE at them; the file is then complete.</summary>
    public void Finish(byte[] notes)
    {
        Output(() =>
        {
            _output.Position = Layout.DataEnd;
            _output.Write(notes);
            _output.Position = Elf.HeaderSize;
            _output.Write(ProgramHeaders(notes.Length));
            _output.Flush();
        });
    }

    private byte[] ProgramHeaders(long notesSize)
    {
        var table = new byte[Layout.ProgramHeaderCount * Elf.ProgramHeaderSize];
        Elf.WriteProgramHeader(table, Elf.PtNote, 0, (ulong)Layout.DataEnd, 0, (ulong)notesSize, 0, 4);
        var i = 1;
        foreach (var s in Layout.Segments)
        {
            Elf.WriteProgramHeader(table.AsSpan(i++ * Elf.ProgramHeaderSize), Elf.PtLoad, Elf.SegmentFlags(s.Vma.Prot), s.Offset, s.Start,
                s.FileSize, s.End - s.Start, (ulong)Layout.PageSize);
        }
        return table;
    }

    // Mapped files first: the pagemap's (COW'ed) pages are written over them as they arrive.
    private void FillFromFiles()
    {
        var page = new byte[Layout.PageSize];
        foreach (var segment in _byStart)
        {
            if (segment.File == null)
                continue;
            for (ulong at = 0; at < segment.FileSize; at += (ulong)page.Length)
            {
                segment.File.Read(checked((long)(segment.ObjectOffset + at)), page);
                Output(() =>
                {
                    _output.Position = (long)(segment.Offset + at);
                    _output.Write(page);
                });
            }
        }
    }

    private void WriteShared(CoreSegment segment, ulong objectOffset, ReadOnlySpan<byte> data)
    {
        var windowEnd = segment.ObjectOffset + segment.FileSize;
        var from = Math.Max(objectOffset, segment.ObjectOffset);
        var to = Math.Min(objectOffset + (ulong)data.Length, windowEnd);
        var pageSize = (ulong)Layout.PageSize;
        for (var offset = from; offset < to; offset += pageSize)
        {
            var address = segment.Start + (offset - segment.ObjectOffset);
            if (Pagemap.FindRun(address) >= 0)
                continue;
            var n = (int)Math.Min(pageSize, to - offset);
            Write(segment, address, data.Slice((int)(offset - objectOffset), n));
        }
    }

    // Writes the part of [address, address + data.Length) that falls in the segment's held bytes.
    private void Write(CoreSegment segment, ulong address, ReadOnlySpan<byte> data)
    {
        var from = Math.Max(address, segment.Start);
        var to = Math.Min(address + (ulong)data.Length, segment.FilledEnd);
        if (from >= to)
            return;
        var slice = data.Slice((int)(from - address), (int)(to - from));
        // Zeros are already there (a hole) unless a mapped file was written first.
        if (segment.File == null && !slice.ContainsAnyExcept((byte)0))
            return;
        try
        {
            _output.Position = (long)(segment.Offset + (from - segment.Start));
            _output.Write(slice);
        }
        catch (IOException e)
        {
            throw new CoreOutputException(Pid, e);
        }
    }

    private void CaptureArguments(ulong address, ReadOnlySpan<byte> chunk)
    {
        var from = Math.Max(address, _args.Start);
        var to = Math.Min(address + (ulong)chunk.Length, _args.End);
        if (from < to)
            chunk.Slice((int)(from - address), (int)(to - from)).CopyTo(_psargs.AsSpan((int)(from - _args.Start)));
    }

    // Segments whose held bytes overlap [start, end): those starting before end, back to where no earlier one reaches start.
    private IEnumerable<CoreSegment> Overlapping(ulong start, ulong end)
    {
        int lo = 0, hi = _byStart.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_byStart[mid].Start < end)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (var i = lo - 1; i >= 0 && _maxEndUpTo[i] > start; i--)
        {
            if (_byStart[i].FilledEnd > start)
                yield return _byStart[i];
        }
    }

    private void Output(Action write)
    {
        try
        {
            write();
        }
        catch (IOException e)
        {
            throw new CoreOutputException(Pid, e);
        }
    }

    // Reads the ranges in chunks on this thread and writes them on another, so that reading (decompressing, for a
    // compressed archive) and writing overlap: the slower of the two sets the pace, not their sum. A few chunk
    // buffers bound the memory.
    private static void Pipelined(IEnumerable<(ulong Start, ulong End)> ranges, ReadInto read, Action<ulong, ReadOnlySpan<byte>> write)
    {
        using var filled = new BlockingCollection<(ulong Address, byte[] Buffer, int Length)>(Buffers);
        using var free = new BlockingCollection<byte[]>(Buffers);
        for (var i = 0; i < Buffers; i++)
            free.Add(new byte[ChunkBytes]);
        Exception? writeError = null;
        var writer = new Thread(() =>
        {
            try
            {
                foreach (var (address, buffer, length) in filled.GetConsumingEnumerable())
                {
                    write(address, buffer.AsSpan(0, length));
                    free.Add(buffer);
                }
            }
            catch (Exception e)
            {
                writeError = e;
                free.CompleteAdding();
            }
        }) { IsBackground = true, Name = "core writer" };
        writer.Start();
        try
        {
            foreach (var (start, end) in ranges)
            {
                for (var address = start; address < end;)
                {
                    if (!free.TryTake(out var buffer, Timeout.Infinite))
                        break;
                    var n = (int)Math.Min((ulong)buffer.Length, end - address);
                    read(address, buffer.AsMemory(0, n));
                    filled.Add((address, buffer, n));
                    address += (ulong)n;
                }
                if (writeError != null)
                    break;
            }
        }
        finally
        {
            filled.CompleteAdding();
            writer.Join();
        }
        if (writeError != null)
            ExceptionDispatchInfo.Throw(writeError);
    }

    private delegate void ReadInto(ulong address, Memory<byte> destination);

    // Sorted, disjoint union of intervals.
    private static List<(ulong Start, ulong End)> Union(IEnumerable<(ulong Start, ulong End)> intervals)
    {
        var union = new List<(ulong Start, ulong End)>();
        foreach (var (start, end) in intervals.Where(i => i.End > i.Start).OrderBy(i => i.Start))
        {
            if (union.Count > 0 && start <= union[^1].End)
                union[^1] = (union[^1].Start, Math.Max(union[^1].End, end));
            else
                union.Add((start, end));
        }
        return union;
    }

    // The parts of ascending ranges that fall in a sorted, disjoint union, in ascending order.
    private static IEnumerable<(ulong Start, ulong End)> Intersect(IEnumerable<(ulong Start, ulong End)> ranges, List<(ulong Start, ulong End)> union)
    {
        var i = 0;
        foreach (var (start, end) in ranges)
        {
            while (i < union.Count && union[i].End <= start)
                i++;
            for (var j = i; j < union.Count && union[j].Start < end; j++)
                yield return (Math.Max(start, union[j].Start), Math.Min(end, union[j].End));
        }
    }
}
