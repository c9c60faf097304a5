using System.Runtime.ExceptionServices;

namespace Checkpointctl.Core.Archive;

/// <summary>
/// Runs one pass over an archive on a thread of its own that can stop inside a member consumer: the caller then reads
/// that member (forward only) while the pass waits, and lets it go on to the next stop with <see cref="Continue"/> or
/// to its end with <see cref="Resume"/>. This is how a pages member of a streamed archive is read in step with another
/// one (an incremental dump and its parent), each in its own single pass, and how several pages members are read in
/// one pass.
/// </summary>
internal sealed class PausedPass : IDisposable
{
    private readonly ManualResetEventSlim _stoppedOrDone = new();
    private readonly ManualResetEventSlim _resume = new();
    private Thread? _thread;
    private CheckpointArchive? _archive;
    private Exception? _error;
    private volatile bool _abort;
    private volatile bool _runToEnd;

    /// <summary>Starts the pass; its consumer calls <see cref="Stop"/> on this object.</summary>
    public void Start(Func<CheckpointArchive> pass)
    {
        _thread = new Thread(() =>
        {
            try
            {
                _archive = pass();
            }
            catch (PassAbortedException)
            {
            }
            catch (Exception e)
            {
                _error = e;
            }
            finally
            {
                _stoppedOrDone.Set();
            }
        }) { IsBackground = true, Name = "archive pass" };
        _thread.Start();
    }

    /// <summary>The member the pass stopped at, or null when it ran to its end.</summary>
    public ArchiveMember? Member { get; private set; }

    /// <summary>The stopped member's data, readable until <see cref="Resume"/>.</summary>
    public RandomAccessData? Data { get; private set; }

    /// <summary>
    /// Called by the consumer on the pass's thread: hands the member over and waits until the caller is done. Returns
    /// false without stopping once the caller has let the pass run to its end.
    /// </summary>
    public bool Stop(ArchiveMember member, RandomAccessData data, CheckpointArchive archive)
    {
        if (_runToEnd)
            return false;
        Member = member;
        Data = data;
        _archive = archive;
        _stoppedOrDone.Set();
        _resume.Wait();
        _resume.Reset();
        if (_abort)
            throw new PassAbortedException();
        return true;
    }

    /// <summary>The archive so far when the pass stopped, or the whole archive when it ended; errors of the pass are thrown here.</summary>
    public CheckpointArchive WaitStoppedOrDone()
    {
        _stoppedOrDone.Wait();
        if (_error != null)
            ExceptionDispatchInfo.Throw(_error);
        return _archive!;
    }

    /// <summary>Lets a stopped pass go on to its next stop; returns that member, or null when the pass ended (its errors are thrown here).</summary>
    public ArchiveMember? Continue()
    {
        Member = null;
        Data = null;
        _stoppedOrDone.Reset();
        _resume.Set();
        WaitStoppedOrDone();
        return Member;
    }

    /// <summary>Lets a stopped pass run to its end without stopping again; its errors are thrown here.</summary>
    public void Resume()
    {
        _runToEnd = true;
        _resume.Set();
        _thread!.Join();
        if (_error != null)
            ExceptionDispatchInfo.Throw(_error);
    }

    /// <summary>Ends the pass early (its archive is disposed by the pass) and waits for its thread.</summary>
    public void Dispose()
    {
        _abort = true;
        _resume.Set();
        _thread?.Join();
        _stoppedOrDone.Dispose();
        _resume.Dispose();
    }

    private sealed class PassAbortedException : Exception;
}
