using System.Text.Json;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Core.Model;
using Google.Protobuf;

namespace Checkpointctl.Tests;

/// <summary><c>inspect --threads</c> and <c>--registers</c>: against crit's decoding of every fixture, and on built checkpoints.</summary>
public class ThreadViewTests
{
    /// <summary>(checkpoint to open, crit oracle folder) for every fixture with an oracle.</summary>
    public static TheoryData<string, string> Oracles()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in new[] { "piggie", "py-tree", "shell-loop" })
            data.Add(TestPaths.Criu(name), TestPaths.Criu(name + ".crit"));
        foreach (var extracted in Directory.EnumerateDirectories(Path.Combine(TestPaths.Fixtures, "archives"), "*.extracted").Order(StringComparer.Ordinal))
            data.Add(extracted[..^".extracted".Length], Path.Combine(extracted, "checkpoint.crit"));
        return data;
    }

    [Theory]
    [MemberData(nameof(Oracles))]
    public void Threads_and_registers_match_crit(string checkpoint, string oracle)
    {
        var processes = InspectJson(checkpoint, "--registers").GetProperty("threads").EnumerateArray().ToList();
        var pstree = Crit(oracle, "pstree.img").EnumerateArray().ToList();
        Assert.Equal(pstree.Select(p => p.GetProperty("pid").GetUInt32()).Order(), processes.Select(p => p.GetProperty("pid").GetUInt32()));
        foreach (var entry in pstree)
        {
            var pid = entry.GetProperty("pid").GetUInt32();
            var ours = processes.Single(p => p.GetProperty("pid").GetUInt32() == pid);
            Assert.Equal(entry.GetProperty("pgid").GetUInt32(), ours.GetProperty("pgid").GetUInt32());
            Assert.Equal(entry.GetProperty("sid").GetUInt32(), ours.GetProperty("sid").GetUInt32());
            Assert.Equal(entry.GetProperty("ppid").GetUInt32(), ours.GetProperty("ppid").GetUInt32());
            var leader = Crit(oracle, $"core-{pid}.img")[0];
            var tc = leader.GetProperty("tc");
            Assert.Equal(tc.GetProperty("comm").GetString(), ours.GetProperty("command").GetString());
            var threads = ours.GetProperty("threads").EnumerateArray().ToList();
            var tids = entry.GetProperty("threads").EnumerateArray().Select(t => t.GetUInt32()).ToList();
            if (tc.GetProperty("task_state").GetUInt32() is not (1 or 3))
            {
                Assert.Empty(threads);
                continue;
            }
            Assert.Equal(tids.Where(t => t == pid).Concat(tids.Where(t => t != pid)), threads.Select(t => t.GetProperty("tid").GetUInt32()));
            foreach (var thread in threads)
            {
                var tid = thread.GetProperty("tid").GetUInt32();
                var core = tid == pid ? leader : Crit(oracle, $"core-{tid}.img")[0];
                var tcore = core.GetProperty("thread_core");
                Assert.Equal(tcore.GetProperty("comm").GetString(), thread.GetProperty("name").GetString());
                Assert.Equal(tcore.GetProperty("sched_nice").GetInt32(), thread.GetProperty("nice").GetInt32());
                Assert.Equal(ThreadView.PolicyName(tcore.GetProperty("sched_policy").GetUInt32()), thread.GetProperty("sched_policy").GetString());
                var blocked = tid == pid ? tc.GetProperty("blk_sigset").GetUInt64() : tcore.GetProperty("blk_sigset").GetUInt64();
                Assert.Equal(Signals.InMask(blocked).Select(Signals.Name), thread.GetProperty("blocked_signals").EnumerateArray().Select(s => s.GetString()));
                var mode = tcore.TryGetProperty("seccomp_mode", out var m) ? m.GetString() : "disabled";
                Assert.Equal(mode, thread.GetProperty("seccomp_mode").GetString());
                var gpregs = core.GetProperty("thread_info").GetProperty("gpregs");
                var general = thread.GetProperty("registers").GetProperty("general");
                foreach (var (ours64, crit) in new[] { ("rip", "ip"), ("rsp", "sp"), ("rax", "ax"), ("orig_rax", "orig_ax"), ("r15", "r15"), ("fs_base", "fs_base"), ("eflags", "flags") })
                    Assert.Equal(gpregs.GetProperty(crit).GetUInt64(), Convert.ToUInt64(general.GetProperty(ours64).GetString(), 16));
                var xmm = core.GetProperty("thread_info").GetProperty("fpregs").GetProperty("xmm_space").EnumerateArray().Select(w => w.GetUInt32()).ToList();
                var xmm1 = thread.GetProperty("registers").GetProperty("vector").GetProperty("xmm1").GetString()!;
                Assert.Equal($"0x{xmm[7]:x8}{xmm[6]:x8}{xmm[5]:x8}{xmm[4]:x8}", xmm1);
            }
        }
    }

    [Theory]
    [InlineData("piggie")]
    [InlineData("py-tree")]
    [InlineData("shell-loop")]
    public void Process_ids_match_crit_x_ps(string dump)
    {
        var processes = InspectJson(TestPaths.Criu(dump), "--threads").GetProperty("threads").EnumerateArray().ToList();
        var rows = File.ReadAllLines(Path.Combine(TestPaths.Criu(dump + ".crit"), "x-ps.txt")).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(rows.Count, processes.Count);
        foreach (var row in rows)
        {
            var p = processes.Single(p => p.GetProperty("pid").GetUInt32() == uint.Parse(row[0]));
            Assert.Equal(uint.Parse(row[1]), p.GetProperty("pgid").GetUInt32());
            Assert.Equal(uint.Parse(row[2]), p.GetProperty("sid").GetUInt32());
            Assert.Equal(row[3], p.GetProperty("command").GetString());
        }
    }

    [Fact]
    public void Shell_loop_is_in_wait4_restart_adjusted()
    {
        var lines = TreeLines(TestPaths.Criu("shell-loop"), "--registers", "--pid", "6580");
        Assert.Contains("In syscall 61 (restart-adjusted)", lines);
        Assert.Contains("rip: 0x00007f60d6478bd1", lines);
        Assert.Contains("rcx: 0x00007f60d6478bd3", lines);
    }

    [Fact]
    public void Signals_scheduling_and_seccomp_of_built_threads()
    {
        var b = TwoThreads();
        using var dir = new ScratchDir();
        var path = b.WriteTo(dir.Path);
        var tree = Inspect(path, "--threads");
        Assert.Contains("""
                └── Threads
                    └── [1]  app
                        ├── State: Alive
                        ├── PPID: 0, PGID: 1, SID: 1
                        ├── Shared pending signals: SIGUSR1
                        ├── Thread 1 (app)
                        │   ├── Blocked signals: SIGINT, SIGCHLD, SIGRTMIN+1
                        │   ├── Pending signals: none
                        │   ├── Scheduling: OTHER, nice -5
                        │   └── Seccomp: filter (2 filters)
                        └── Thread 2 (worker)
                            ├── Blocked signals: SIGTERM
                            ├── Pending signals: SIGRTMIN, SIGSEGV
                            ├── Scheduling: FIFO|RESET_ON_FORK, priority 50, nice 0
                            └── Seccomp: strict

                """, tree);
        var thread = InspectJson(path, "--threads").GetProperty("threads")[0].GetProperty("threads")[1];
        Assert.Equal("""{"tid":2,"name":"worker","blocked_signals":["SIGTERM"],"pending_signals":["SIGRTMIN","SIGSEGV"],"sched_policy":"FIFO|RESET_ON_FORK","sched_priority":50,"nice":0,"seccomp_mode":"strict","seccomp_filters":0}""",
            JsonSerializer.Serialize(thread));
    }

    [Fact]
    public void Dead_and_stopped_tasks()
    {
        var b = SyntheticCheckpoint.OneProcess()
            .Image("core-1.img", Core(new TaskCoreEntry { TaskState = 3, Comm = "app", StopSigno = 19 }, null))
            .Image("pstree.img", SyntheticCheckpoint.Frame(CriuMagic.Pstree,
                new PstreeEntry { Pid = 1, Pgid = 1, Sid = 1, Threads = { 1 } }, new PstreeEntry { Pid = 5, Ppid = 1, Pgid = 1, Sid = 1, Threads = { 0 } }))
            .Image("core-5.img", Core(new TaskCoreEntry { TaskState = 2, Comm = "gone", ExitCode = 9 }, null));
        using var dir = new ScratchDir();
        var lines = TreeLines(b.WriteTo(dir.Path), "--threads");
        Assert.Contains("State: Stopped (by SIGSTOP)", lines);
        Assert.Contains("State: Dead (exit code 9)", lines);
        Assert.Contains("Thread 1 (app)", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("Thread 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Compat_and_aarch64_registers()
    {
        var compat = new CoreEntry
        {
            Mtype = CoreEntry.Types.March.X8664,
            Tc = new TaskCoreEntry { TaskState = 1, Comm = "app" },
            ThreadCore = new ThreadCoreEntry { Comm = "app" },
            ThreadInfo = new ThreadInfoX86
            {
                Gpregs = new UserX86RegsEntry { Mode = UserX86RegsMode.Compat, Ax = 0xfffffffc, OrigAx = 162, Ip = 0x8049000, Sp = 0xffffd000 },
            },
        };
        var arm = new CoreEntry
        {
            Mtype = CoreEntry.Types.March.Aarch64,
            Tc = new TaskCoreEntry { TaskState = 1, Comm = "arm" },
            TiAarch64 = new ThreadInfoAarch64
            {
                Tls = 0xffff_8000_1000,
                Gpregs = new UserAarch64RegsEntry { Regs = { Enumerable.Range(0, 31).Select(i => (ulong)i) }, Sp = 0xfffffffff000, Pc = 0x400123, Pstate = 0x60000000 },
                Fpsimd = new UserAarch64FpsimdContextEntry { Vregs = { Enumerable.Range(0, 64).Select(i => (ulong)i) }, Fpsr = 0x10, Fpcr = 0 },
            },
        };
        var b = SyntheticCheckpoint.OneProcess().Process(2, 1, "arm")
            .Image("core-1.img", SyntheticCheckpoint.Frame(CriuMagic.Core, compat))
            .Image("core-2.img", SyntheticCheckpoint.Frame(CriuMagic.Core, arm));
        using var dir = new ScratchDir();
        var path = b.WriteTo(dir.Path);
        var lines = TreeLines(path, "--registers");
        Assert.Contains("Registers (i386)", lines);
        Assert.Contains("eax: 0xfffffffc", lines);
        Assert.Contains("eip: 0x08049000", lines);
        Assert.Contains("In syscall 162", lines);
        Assert.Contains("Registers (aarch64)", lines);
        Assert.Contains("x30: 0x000000000000001e", lines);
        Assert.Contains("pc: 0x0000000000400123", lines);
        Assert.Contains("v1: 0x00000000000000030000000000000002", lines);
        Assert.Contains("fpsr: 0x00000010", lines);
    }

    [Fact]
    public void Seccomp_chain_that_loops_is_an_error()
    {
        var b = TwoThreads().Image("seccomp.img", SyntheticCheckpoint.Frame(CriuMagic.Seccomp, new SeccompEntry
        {
            SeccompFilters = { new SeccompFilter { Filter = ByteString.CopyFrom(new byte[8]), Prev = 1 }, new SeccompFilter { Filter = ByteString.CopyFrom(new byte[8]), Prev = 0 } },
        }));
        using var dir = new ScratchDir();
        var message = CliRunner.AssertError(CliRunner.Run("inspect", b.WriteTo(dir.Path), "--threads"));
        Assert.StartsWith("failed to get threads: seccomp.img: ", message);
    }

    // Process 1 with leader "app" and thread 2 "worker": blocked and pending signals, FIFO scheduling, a two-filter chain.
    private static SyntheticCheckpoint TwoThreads()
    {
        var tc = new TaskCoreEntry { TaskState = 1, Comm = "app", BlkSigset = (1UL << 1) | (1UL << 16) | (1UL << 34), SignalsS = Queue(10) };
        var leader = new ThreadCoreEntry { Comm = "app", SchedNice = -5, SchedPolicy = 0, SeccompMode = SeccompMode.Filter, SeccompFilter = 1 };
        var worker = new ThreadCoreEntry
        {
            Comm = "worker", SchedNice = 0, SchedPolicy = 0x40000001, SchedPrio = 50, BlkSigset = 1UL << 14, SignalsP = Queue(34, 11),
            SeccompMode = SeccompMode.Strict,
        };
        return SyntheticCheckpoint.OneProcess()
            .Image("pstree.img", SyntheticCheckpoint.Frame(CriuMagic.Pstree, new PstreeEntry { Pid = 1, Pgid = 1, Sid = 1, Threads = { 1, 2 } }))
            .Image("core-1.img", Core(tc, leader))
            .Image("core-2.img", SyntheticCheckpoint.Frame(CriuMagic.Core, new CoreEntry { Mtype = CoreEntry.Types.March.X8664, ThreadCore = worker }))
            .Image("seccomp.img", SyntheticCheckpoint.Frame(CriuMagic.Seccomp, new SeccompEntry
            {
                SeccompFilters = { new SeccompFilter { Filter = ByteString.CopyFrom(new byte[8]) }, new SeccompFilter { Filter = ByteString.CopyFrom(new byte[16]), Prev = 0 } },
            }));
    }

    private static byte[] Core(TaskCoreEntry tc, ThreadCoreEntry? thread) =>
        SyntheticCheckpoint.Frame(CriuMagic.Core, new CoreEntry { Mtype = CoreEntry.Types.March.X8664, Tc = tc, ThreadCore = thread });

    private static SignalQueueEntry Queue(params int[] signals)
    {
        var queue = new SignalQueueEntry();
        foreach (var s in signals)
        {
            var info = new byte[128];
            BitConverter.TryWriteBytes(info, s);
            queue.Signals.Add(new SiginfoEntry { Siginfo = ByteString.CopyFrom(info) });
        }
        return queue;
    }

    internal static JsonElement Crit(string oracle, string image)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(oracle, image + ".decode.json")));
        return doc.RootElement.GetProperty("entries").Clone();
    }

    internal static string Inspect(string path, params string[] flags)
    {
        var result = CliRunner.Run(["inspect", path, .. flags]);
        Assert.True(result.Stderr.Length == 0, result.Stderr);
        Assert.Equal(0, result.ExitCode);
        return result.Stdout;
    }

    internal static string[] TreeLines(string path, params string[] flags) =>
        Inspect(path, flags).Split('\n').Select(l => l.TrimStart(' ', '│', '├', '└', '─')).ToArray();

    internal static JsonElement InspectJson(string path, params string[] flags)
    {
        using var doc = JsonDocument.Parse(Inspect(path, [.. flags, "--format", "json"]));
        return Assert.Single(doc.RootElement.EnumerateArray().ToArray()).Clone();
    }
}
