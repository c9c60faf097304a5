using System.Diagnostics;
using System.Text;
using Checkpointctl.Core.Criu;
using Checkpointctl.Core.Criu.Crit;
using Checkpointctl.Core.Criu.Images;
using Google.Protobuf;

namespace Checkpointctl.Tests;

/// <summary><c>image</c>: every crit oracle byte for byte, from every checkpoint shape; <c>--list</c>; crit's encodings; errors.</summary>
public class ImageCommandTests
{
    /// <summary>(checkpoint, image, oracle file) for every <c>*.show.json</c>, each read from its directory and an archive of it.</summary>
    public static TheoryData<string, string, string> ShowCases()
    {
        var data = new TheoryData<string, string, string>();
        var wrapped = new Dictionary<string, string>
        {
            ["piggie"] = "piggie-podman.tar", ["py-tree"] = "pytree-containerd.tar.gz", ["shell-loop"] = "shell-loop-nodirs.tar.zst",
        };
        foreach (var (dump, archive) in wrapped)
        {
            foreach (var oracle in Directory.EnumerateFiles(TestPaths.Criu(dump + ".crit"), "*.show.json").Order(StringComparer.Ordinal))
            {
                var image = Path.GetFileName(oracle)[..^".show.json".Length];
                data.Add(TestPaths.Criu(dump), image, oracle);
                data.Add(TestPaths.Wrapped(archive), image, oracle);
            }
        }
        data.Add(TestPaths.Wrapped("piggie-crio.tar"), "checkpoint/core-1.img", Path.Combine(TestPaths.Criu("piggie.crit"), "core-1.img.show.json"));
        foreach (var extracted in Directory.EnumerateDirectories(Path.Combine(TestPaths.Fixtures, "archives"), "*.extracted").Order(StringComparer.Ordinal))
        {
            foreach (var oracle in Directory.EnumerateFiles(Path.Combine(extracted, "checkpoint.crit"), "*.show.json").Order(StringComparer.Ordinal))
                data.Add(extracted[..^".extracted".Length], Path.GetFileName(oracle)[..^".show.json".Length], oracle);
            data.Add(extracted[..^".extracted".Length], "stats-dump", Path.Combine(extracted, "stats-dump.show.json"));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ShowCases))]
    public void Image_is_byte_identical_to_crit_show(string checkpoint, string image, string oracle)
    {
        var result = CliRunner.Run("image", checkpoint, image);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(File.ReadAllText(oracle), result.Stdout);
    }

    [Fact]
    public void Several_images_in_the_order_named()
    {
        var dir = TestPaths.Criu("shell-loop");
        var result = CliRunner.Run("image", dir, "pstree.img", "inventory.img", "pstree.img");
        var pstree = File.ReadAllText(Path.Combine(TestPaths.Criu("shell-loop.crit"), "pstree.img.show.json"));
        var inventory = File.ReadAllText(Path.Combine(TestPaths.Criu("shell-loop.crit"), "inventory.img.show.json"));
        Assert.Equal(pstree + inventory + pstree, result.Stdout);
    }

    [Theory]
    [MemberData(nameof(ViewGoldenTests.FixtureNames), MemberType = typeof(ViewGoldenTests))]
    public void List_matches_golden(string fixture)
    {
        var path = ViewGoldenTests.Fixtures().Single(f => f.Name == fixture).Path;
        var text = CliRunner.Run("image", path, "--list");
        Assert.Equal(0, text.ExitCode);
        GoldenFile.Assert(text.Stdout, $"image/{fixture}.list.txt");
        var json = CliRunner.Run("image", path, "--list", "--format", "json");
        GoldenFile.Assert(json.Stdout, $"image/{fixture}.list.json");
        // Every image with a crit oracle has the oracle's magic.
        foreach (var line in text.Stdout.Split('\n').Skip(2).Where(l => l.Length > 0))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var oracle = Oracle(fixture, fields[0]);
            if (oracle != null)
                Assert.Contains($"\"magic\": \"{fields[1]}\"", File.ReadAllText(oracle));
        }
    }

    [Fact]
    public void Errors()
    {
        var dir = TestPaths.Criu("piggie");
        Assert.Equal("error opening binary file: open checkpoint/core-99.img: no such file or directory", CliRunner.AssertError(CliRunner.Run("image", dir, "core-99.img")));
        Assert.StartsWith("pages-1.img: Unknown magic 0x", CliRunner.AssertError(CliRunner.Run("image", dir, "pages-1.img")));
        Assert.EndsWith("(a raw image: PAGES (raw))", CliRunner.AssertError(CliRunner.Run("image", dir, "pages-1.img")));
        Assert.Equal("requires at least 2 arg(s), only received 1", CliRunner.AssertError(CliRunner.Run("image", dir)));
        Assert.Equal("accepts 1 arg(s), received 2", CliRunner.AssertError(CliRunner.Run("image", dir, "x", "--list")));
        // Names and the format are checked before the checkpoint is opened.
        Assert.StartsWith("invalid image name \"../config.dump\"", CliRunner.AssertError(CliRunner.Run("image", "/nonexistent", "../config.dump")));
        Assert.Equal("invalid output format: yaml", CliRunner.AssertError(CliRunner.Run("image", "/nonexistent", "--list", "--format", "yaml")));
        Assert.Equal("stat /nonexistent: no such file or directory", CliRunner.AssertError(CliRunner.Run("image", "/nonexistent", "core-1.img")));
    }

    [Fact]
    public void Image_without_crit_handler_and_truncated_image()
    {
        using var dir = new ScratchDir();
        var path = SyntheticCheckpoint.OneProcess()
            .Image("binfmt-misc.img", SyntheticCheckpoint.Frame(CriuMagic.BinfmtMisc, new BinfmtMiscEntry { Name = "x" }))
            .Image("fs-9.img", SyntheticCheckpoint.Frame(CriuMagic.Fs, new FsEntry { CwdId = 1 })[..^2])
            .WriteTo(dir.Path);
        Assert.Equal("binfmt-misc.img: No handler found for image with magic BINFMT_MISC", CliRunner.AssertError(CliRunner.Run("image", path, "binfmt-misc.img")));
        Assert.StartsWith("fs-9.img: entry 0 at offset 0: entry size", CliRunner.AssertError(CliRunner.Run("image", path, "fs-9.img")));
    }

    /// <summary>Fields the fixtures do not have: payloads, ghost chunks, unix names, IP addresses, dev_t, dicts, flag remainders.</summary>
    [Fact]
    public void Special_handlers_and_options()
    {
        var usk = new UnixSkEntry { Id = 5, Ino = 7, Type = 1, State = 10, Flags = 0x800, Uflags = 0, Name = ByteString.CopyFrom("\0/tmp/sock =x"u8) };
        var isk = new InetSkEntry { Id = 6, Ino = 8, Family = 10, Type = 1, Proto = 6, State = 11, SrcAddr = { 0, 0, 0, 0x01000000 }, DstAddr = { 0, 0, 0xffff0000, 0x0100007f } };
        var files = SyntheticCheckpoint.Frame(CriuMagic.Files,
            new FileEntry { Type = FdTypes.Unixsk, Id = 5, Usk = usk }, new FileEntry { Type = FdTypes.Inetsk, Id = 6, Isk = isk });
        var ghost = SyntheticCheckpoint.Frame(CriuMagic.GhostFile,
            (new GhostFileEntry { Mode = 0x81a4, Dev = (8u << 20) | 1, Rdev = 0x0801, Chunks = true, Size = 8 }, []),
            (new GhostChunkEntry { Len = 3, Off = 0 }, "abc"u8.ToArray()));
        var sem = SyntheticCheckpoint.Frame(CriuMagic.IpcnsSem, (new IpcSemEntry { Desc = new IpcDescEntry { Key = 1, Id = 2 }, Nsems = 3 }, new byte[] { 1, 0, 2, 0, 0xff, 0xff, 0, 0 }));
        var tcp = SyntheticCheckpoint.Frame(CriuMagic.TcpStream, (new TcpStreamEntry { InqLen = 2, OutqLen = 1, OptMask = 5 }, "hi!"u8.ToArray()));
        var mm = SyntheticCheckpoint.Frame(CriuMagic.Mm, new MmEntry { Vmas = { new VmaEntry { Start = 0x1000, End = 0x2000, Prot = 0, Flags = 0x4022, Status = 0x10201 } } });
        var core = SyntheticCheckpoint.Frame(CriuMagic.Core, new CoreEntry { Tc = new TaskCoreEntry { TaskState = 2, Comm = "z\u00e9", BlkSigset = 0 } });
        using var dir = new ScratchDir();
        var path = SyntheticCheckpoint.OneProcess().Image("files.img", files).Image("ghost-file-1.img", ghost).Image("ipcns-sem-4.img", sem)
            .Image("tcp-stream-8.img", tcp).Image("mm-1.img", mm).Image("core-1.img", core).WriteTo(dir.Path);
        string Show(string image) => CliRunner.Run("image", path, image).Stdout;
        var filesJson = Show("files.img");
        Assert.Contains("\"name\": \"=00/tmp/sock =3Dx\"", filesJson);
        Assert.Contains("\"flags\": \"0x800\"", filesJson);
        Assert.Contains("\"family\": \"INET6\"", filesJson);
        Assert.Contains("\"state\": 11", filesJson);
        Assert.Contains("\"src_addr\": [\n                    \"::1\"\n                ]", filesJson);
        Assert.Contains("\"dst_addr\": [\n                    \"::ffff:7f00:1\"\n                ]", filesJson);
        var ghostJson = Show("ghost-file-1.img");
        Assert.Contains("\"dev\": \"8:1\"", ghostJson);
        Assert.Contains("\"rdev\": \"8:1\"", ghostJson);
        Assert.Contains("\"len\": 3,\n            \"off\": 0,\n            \"extra\": \"YWJj\\n\"", ghostJson);
        Assert.Contains("\"extra\": [\n                1,\n                2,\n                65535\n            ]", Show("ipcns-sem-4.img"));
        Assert.Contains("\"extra\": {\n                \"inq\": \"aGk=\\n\",\n                \"outq\": \"IQ==\\n\"\n            }", Show("tcp-stream-8.img"));
        var mmJson = Show("mm-1.img");
        Assert.Contains("\"prot\": \"\"", mmJson);
        Assert.Contains("\"flags\": \"MAP_PRIVATE | MAP_ANON | 0x4000\"", mmJson);
        Assert.Contains("\"status\": \"VMA_AREA_REGULAR | VMA_ANON_PRIVATE | 0x10000\"", mmJson);
        var coreJson = Show("core-1.img");
        Assert.Contains("\"task_state\": 2", coreJson);
        Assert.Contains("\"comm\": \"z\\u00e9\"", coreJson);
        Assert.Contains("\"blk_sigset\": \"0x0\"", coreJson);
    }

    /// <summary>Our Python encodings against Python itself, on inputs that hit every rule.</summary>
    [ToolFact("python3")]
    public void Encodings_match_python()
    {
        var rng = new Random(208);
        var samples = new List<byte[]>
        {
            "\0/tmp/sock"u8.ToArray(), new byte[200], "a line ending in space \nand tab\t\n.\n. \n"u8.ToArray(),
            Encoding.ASCII.GetBytes(new string('x', 75) + "=" + new string('y', 80)), "crlf\r\nline\r\n"u8.ToArray(), Array.Empty<byte>(),
        };
        for (var i = 0; i < 20; i++)
        {
            var data = new byte[rng.Next(0, 300)];
            rng.NextBytes(data);
            samples.Add(data);
        }
        var script = "import sys,quopri,base64,binascii\nfor line in sys.stdin:\n    b=bytes.fromhex(line.strip())\n" +
                     "    print(repr(quopri.encodestring(b).decode('latin-1')))\n    print(repr(base64.encodebytes(b).decode()))\n";
        var input = string.Join('\n', samples.Select(Convert.ToHexString)) + "\n";
        var expected = RunPython(script, input).Split('\n');
        for (var i = 0; i < samples.Count; i++)
        {
            Assert.Equal(expected[2 * i], PythonRepr(CritEncodings.QuotedPrintable(samples[i])));
            Assert.Equal(expected[2 * i + 1], PythonRepr(CritEncodings.Base64Lines(samples[i])));
        }
    }

    [ToolFact("python3")]
    public void Json_strings_and_addresses_match_python()
    {
        var text = "quote\" back\\ nl\n cr\r tab\t bs\b ff\f nul\0 del\x7f slash/ é € 😀 <>&'";
        var dict = new PyDict();
        dict.Add("s", PyValue.Of(text));
        dict.Add("empty", new PyDict());
        dict.Add("list", new PyList());
        dict.Add("n", PyValue.Of(System.Numerics.BigInteger.Parse("18446744073709551615")));
        var expected = RunPython("import json,sys\nprint(json.dumps({'s': sys.stdin.read(), 'empty': {}, 'list': [], 'n': 18446744073709551615}, indent=4))", text);
        Assert.Equal(expected, dict.ToJson() + "\n");
        var addresses = new[] { new uint[] { 0 }, [0x0100007f], [0, 0, 0, 0x01000000], [0, 0, 0, 0], [0x000080fe, 0, 0, 0x01000000], [0xb80d0120, 0, 0x01000000, 0] };
        var script = "import ipaddress,socket,sys\nfor line in sys.stdin:\n    w=[int(x) for x in line.split()]\n" +
                     "    v=socket.ntohl(w[0]) if len(w)==1 else (socket.ntohl(w[0])<<96)+(socket.ntohl(w[1])<<64)+(socket.ntohl(w[2])<<32)+socket.ntohl(w[3])\n" +
                     "    print((ipaddress.IPv4Address(v) if len(w)==1 else ipaddress.IPv6Address(v)).compressed)\n";
        var output = RunPython(script, string.Join('\n', addresses.Select(a => string.Join(' ', a))) + "\n").Split('\n');
        for (var i = 0; i < addresses.Length; i++)
            Assert.Equal(output[i], CritEncodings.IpAddress(addresses[i]));
    }

    private static string? Oracle(string fixture, string image)
    {
        var folder = fixture switch
        {
            "piggie" or "py-tree" or "shell-loop" => TestPaths.Criu(fixture + ".crit"),
            _ when Directory.Exists(TestPaths.Archive(fixture) + ".extracted") => Path.Combine(TestPaths.Archive(fixture) + ".extracted", "checkpoint.crit"),
            _ => null,
        };
        var file = folder == null ? null : Path.Combine(folder, image + ".show.json");
        return file != null && File.Exists(file) ? file : null;
    }

    private static string RunPython(string script, string input)
    {
        var psi = new ProcessStartInfo("python3", ["-c", script])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, StandardInputEncoding = new UTF8Encoding(false), StandardOutputEncoding = Encoding.UTF8,
        };
        psi.Environment["PYTHONIOENCODING"] = "utf-8";
        using var process = Process.Start(psi)!;
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    // Python's repr of a str of latin-1/ASCII text: enough for comparing our encodings line by line.
    private static string PythonRepr(string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var text = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            text.Append(c switch
            {
                '\\' => "\\\\", '\n' => "\\n", '\r' => "\\r", '\t' => "\\t",
                _ when c == quote => "\\" + c,
                _ when c < ' ' || c == '\x7f' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return text.Append(quote).ToString();
    }
}
