using System.Diagnostics;
using Checkpointctl.Core.Analysis;
using Checkpointctl.Core.Criu;

namespace Checkpointctl.Cli.Rendering;

/// <summary>Passes memory to another sink and shows how far it got on a terminal's stderr, a few times a second.</summary>
internal sealed class Progress(IMemorySink inner, TextWriter error, string what) : IMemorySink
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _total;
    private long _done;
    private long _lastShown;

    public void Begin(Pagemap pagemap)
    {
        _total = MemoryScan.PresentBytes(pagemap);
        inner.Begin(pagemap);
    }

    public void Write(ulong address, ReadOnlySpan<byte> data)
    {
        inner.Write(address, data);
        _done += data.Length;
        if (_clock.ElapsedMilliseconds - _lastShown >= 250)
        {
            _lastShown = _clock.ElapsedMilliseconds;
            var percent = _total > 0 ? _done * 100 / _total : 100;
            error.Write($"\r{what}: {percent}% ({Units.Bytes(_done)} of {Units.Bytes(_total)})");
            error.Flush();
        }
    }

    public void End()
    {
        inner.End();
        if (_lastShown > 0)
            error.Write("\r\u001b[K");
    }
}
