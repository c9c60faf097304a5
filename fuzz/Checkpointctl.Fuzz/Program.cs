using System.IO.Compression;
using System.Text;
using Checkpointctl.Core;
using Checkpointctl.Core.Archive;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Images;
using Checkpointctl.Fuzz;
using SharpFuzz;

// Usage (see ../run.sh, which drives all of this):
//   Checkpointctl.Fuzz <archive|criu|metadata>                  AFL++ persistent loop (SharpFuzz); one stdin input outside afl-fuzz
//   Checkpointctl.Fuzz seed <harness> <out-dir> <fixtures-dir>  writes the synthetic and fixture-derived seed corpus
//   Checkpointctl.Fuzz replay <harness> <file-or-dir>...        runs inputs once each, prints a stack trace for every crash
//                                                               (FUZZ_VERBOSE=1: also why each rejected input was rejected)
// Nothing from the instrumented Checkpointctl.Core may run before Fuzzer.Run has mapped AFL's coverage map (not even a
// static initialiser of FuzzTargets): the harness name is checked against constants only.
if (args is [FuzzTargets.Archive or FuzzTargets.Criu or FuzzTargets.Metadata])
{
    var harness = args[0];
    var buffer = new MemoryStream();
    Fuzzer.Run(stream =>
    {
        buffer.SetLength(0);
        stream.CopyTo(buffer);
        FuzzTargets.Run(harness, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    });
    return 0;
}
if (args.Length == 4 && args[0] == "seed" && FuzzTargets.Names.Contains(args[1]))
{
    Directory.CreateDirectory(args[2]);
    var count = 0;
    foreach (var (name, data) in Seeds.For(args[1], args[3]))
    {
        File.WriteAllBytes(Path.Combine(args[2], name), data);
        count++;
    }
    Console.WriteLine($"{args[1]}: {count} seeds in {args[2]}");
    return 0;
}
if (args.Length >= 3 && args[0] == "replay" && FuzzTargets.Names.Contains(args[1]))
{
    var files = args[2..].SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p])
        .Order(StringComparer.Ordinal).ToList();
    int accepted = 0, rejected = 0, crashed = 0;
    var verbose = Environment.GetEnvironmentVariable("FUZZ_VERBOSE") == "1";
    foreach (var file in files)
    {
        try
        {
            if (FuzzTargets.Run(args[1], File.ReadAllBytes(file)) is { } rejection)
            {
                rejected++;
                if (verbose)
                    Console.WriteLine($"rejected {file}: {rejection.Message}");
            }
            else
            {
                accepted++;
            }
        }
        catch (Exception e)
        {
            crashed++;
            Console.WriteLine($"CRASH {file}\n{e}\n");
        }
    }
    Console.WriteLine($"{args[1]}: {files.Count} inputs, {accepted} accepted, {rejected} rejected (CheckpointException), {crashed} crashed");
    return crashed == 0 ? 0 : 1;
}
Console.Error.WriteLine("usage: Checkpointctl.Fuzz <archive|criu|metadata>\n"
                        + "       Checkpointctl.Fuzz seed <harness> <out-dir> <fixtures-dir>\n"
                        + "       Checkpointctl.Fuzz replay <harness> <file-or-dir>...");
return 2;

/// <summary>Seed inputs: small synthetic ones plus the small files of the shared fixtures.</summary>
internal static class Seeds
{
    private const int MaxSeedBytes = 64 << 10;

    private const string Config =
        """{"id":"0123456789abcdef0123","name":"test-ctr","rootfsImageName":"localhost/test:latest","runtime":"runc","createdTime":"2026-01-02T03:04:05.123456789+01:00","checkpointedTime":"2026-01-02T03:05:00Z","restored":false}""";

    private const string PodmanSpec = """{"annotations":{"io.container.manager":"libpod"},"mounts":[{"destination":"/data","type":"bind","source":"/srv"}]}""";

    private const string CrioSpec =
        """{"annotations":{"io.container.manager":"cri-o","io.kubernetes.cri-o.Metadata":"{\"name\":\"ctr\"}","io.kubernetes.cri-o.Created":"2026-01-02T03:04:05Z","io.kubernetes.pod.namespace":"default","io.kubernetes.pod.name":"pod","io.kubernetes.cri-o.IP.0":"10.0.0.2"}}""";

    private const string ContainerdSpec =
        """{"annotations":{"io.kubernetes.cri.container-name":"ctr","io.kubernetes.cri.sandbox-namespace":"ns","io.kubernetes.cri.sandbox-name":"pod"}}""";

    private const string Network =
        """{"net1":{"interfaces":{"eth0":{"subnets":[{"ipnet":"10.89.0.2/24","gateway":"10.89.0.1"},{"ipnet":"fd00::2/64"}],"mac_address":"aa:bb:cc:dd:ee:ff"}}}}""";

    public static IEnumerable<(string Name, byte[] Data)> For(string harness, string fixtures) => harness switch
    {
        FuzzTargets.Archive => ArchiveSeeds(fixtures),
        FuzzTargets.Criu => CriuSeeds(fixtures),
        _ => MetadataSeeds(fixtures),
    };

    private static IEnumerable<(string, byte[])> ArchiveSeeds(string fixtures)
    {
        var pstree = FuzzTargets.Frame(CriuMagic.Pstree, new PstreeEntry { Pid = 1, Ppid = 0, Pgid = 1, Sid = 1 });
        var members = new (string, byte[])[]
        {
            ("config.dump", Encoding.UTF8.GetBytes(Config)),
            ("spec.dump", Encoding.UTF8.GetBytes(PodmanSpec)),
            ("checkpoint/pstree.img", pstree),
            ("checkpoint/pages-1.img", new byte[512]),
        };
        var ustar = FuzzTargets.Tar(members);
        var tars = new List<(string, byte[])> { ("synthetic-ustar.tar", ustar) };
        foreach (var format in new[] { System.Formats.Tar.TarEntryFormat.Pax, System.Formats.Tar.TarEntryFormat.Gnu })
        {
            var output = new MemoryStream();
            using (var writer = new System.Formats.Tar.TarWriter(output, format, leaveOpen: true))
            {
                foreach (var (name, data) in members.Append(("checkpoint/" + new string('x', 120) + ".img", [1, 2, 3])))
                {
                    System.Formats.Tar.TarEntry entry = format == System.Formats.Tar.TarEntryFormat.Pax
                        ? new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name)
                        : new System.Formats.Tar.GnuTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name);
                    entry.DataStream = new MemoryStream(data);
                    writer.WriteEntry(entry);
                }
            }
            tars.Add(($"synthetic-{format.ToString().ToLowerInvariant()}-nodirs.tar", output.ToArray()));
        }
        foreach (var (name, tar) in tars)
        {
            yield return (name, tar);
            var gz = new MemoryStream();
            using (var z = new GZipStream(gz, CompressionLevel.SmallestSize, leaveOpen: true))
                z.Write(tar);
            yield return (name + ".gz", gz.ToArray());
            yield return (name + ".zst", new ZstdSharp.Compressor(19).Wrap(tar).ToArray());
        }
        foreach (var file in Directory.EnumerateFiles(Path.Combine(fixtures, "archives")).Concat(Directory.EnumerateFiles(Path.Combine(fixtures, "wrapped"))))
        {
            if (file.Contains(".tar", StringComparison.Ordinal) && !file.EndsWith(".txt", StringComparison.Ordinal) && !file.EndsWith(".json", StringComparison.Ordinal)
                && new FileInfo(file).Length <= MaxSeedBytes)
                yield return ("fixture-" + Path.GetFileName(file), File.ReadAllBytes(file));
        }
    }

    private static IEnumerable<(string, byte[])> CriuSeeds(string fixtures)
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.Combine(fixtures, "criu")).Order(StringComparer.Ordinal))
        {
            if (dir.EndsWith(".crit", StringComparison.Ordinal))
                continue;
            foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                if (!name.EndsWith(".img", StringComparison.Ordinal) || name.StartsWith("pages-", StringComparison.Ordinal)
                    || new FileInfo(file).Length > MaxSeedBytes)
                    continue;
                yield return ($"{Path.GetFileName(dir)}-{name}", FuzzTargets.CriuInput(name, File.ReadAllBytes(file)));
            }
        }
        // Images the fixtures lack, with their raw payloads.
        yield return ("synthetic-sk-queues.img", FuzzTargets.CriuInput("sk-queues.img",
            [.. FuzzTargets.Frame(CriuMagic.SkQueues, new SkPacketEntry { IdFor = 1, Length = 3 }), 1, 2, 3]));
        yield return ("synthetic-tcp-stream-1.img", FuzzTargets.CriuInput("tcp-stream-1.img",
            [.. FuzzTargets.Frame(CriuMagic.TcpStream, new TcpStreamEntry { InqLen = 2, OutqLen = 1, InqSeq = 1, OutqSeq = 2 }), 9, 8, 7]));
        yield return ("synthetic-pipes-data.img", FuzzTargets.CriuInput("pipes-data.img",
            [.. FuzzTargets.Frame(CriuMagic.PipesData, new PipeDataEntry { PipeId = 1, Bytes = 2 }), 5, 6]));
        yield return ("synthetic-remap-fpath.img", FuzzTargets.CriuInput("remap-fpath.img",
            FuzzTargets.Frame(CriuMagic.RemapFpath, new RemapFilePathEntry { OrigId = 1, RemapId = 2, RemapType = RemapType.Ghost })));
        yield return ("synthetic-pstree-tree.img", FuzzTargets.CriuInput("pstree.img", FuzzTargets.Frame(CriuMagic.Pstree,
            new PstreeEntry { Pid = 1, Ppid = 0, Pgid = 1, Sid = 1, Threads = { 1 } },
            new PstreeEntry { Pid = 2, Ppid = 1, Pgid = 1, Sid = 1, Threads = { 2, 3 } },
            new PstreeEntry { Pid = 4, Ppid = 2, Pgid = 1, Sid = 1 })));
        yield return ("synthetic-pagemap.img", FuzzTargets.CriuInput("pagemap-1.img", FuzzTargets.Frame(CriuMagic.Pagemap,
            new PagemapHead { PagesId = 1 },
            new PagemapEntry { Vaddr = 0x400000, NrPages = 2, Flags = 4 },
            new PagemapEntry { Vaddr = 0x403000, NrPages = 1, Flags = 1 },
            new PagemapEntry { Vaddr = 0x7fff0000, CompatNrPages = 3 })));
    }

    private static IEnumerable<(string, byte[])> MetadataSeeds(string fixtures)
    {
        byte[] U(string s) => Encoding.UTF8.GetBytes(s);
        yield return ("synthetic-podman", FuzzTargets.MetadataInput(U(Config), U(PodmanSpec), U(Network)));
        yield return ("synthetic-crio", FuzzTargets.MetadataInput(U(Config), U(CrioSpec), []));
        yield return ("synthetic-containerd", FuzzTargets.MetadataInput(U(Config), U(ContainerdSpec), U("[]")));
        var seen = new HashSet<string>();
        foreach (var dir in Directory.EnumerateDirectories(Path.Combine(fixtures, "archives"), "*.extracted").Order(StringComparer.Ordinal))
        {
            var config = File.ReadAllBytes(Path.Combine(dir, "config.dump"));
            var spec = File.ReadAllBytes(Path.Combine(dir, "spec.dump"));
            var network = File.Exists(Path.Combine(dir, "network.status")) ? File.ReadAllBytes(Path.Combine(dir, "network.status")) : [];
            var input = FuzzTargets.MetadataInput(config, spec, network);
            if (seen.Add(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(input))))
                yield return ("fixture-" + Path.GetFileName(dir), input);
        }
        foreach (var file in Directory.EnumerateFiles(Path.Combine(fixtures, "wrapped"), "*.tar*").Order(StringComparer.Ordinal))
        {
            using var archive = CheckpointArchive.Open(file, new ArchiveRequest
            {
                Hold = ["config.dump", "spec.dump", "network.status"],
                RequireCheckpointDirectory = false,
            });
            var config = archive.TryGetBytes("config.dump")?.ToArray() ?? [];
            var spec = archive.TryGetBytes("spec.dump")?.ToArray() ?? [];
            var network = archive.TryGetBytes("network.status")?.ToArray() ?? [];
            yield return ("fixture-" + Path.GetFileName(file), FuzzTargets.MetadataInput(config, spec, network));
        }
    }
}
