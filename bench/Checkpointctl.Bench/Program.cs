using Checkpointctl.Bench;

// checkpointctl-bench: builds large benchmark archives and measures what the core library reads.
//   gen        --fixture TAR --mib N --pid P --out DIR   big.tar, big.tar.gz, big.tar.zst with N MiB extra pages
//   gen-pages  --criu DIR --mib N --out DIR             flat, LZ4 per-page/region and two-level chain image directories
//   gen-pod    --archive TAR --containers N --out DIR   c1.tar…, a CRI-O pod tar of them and a generation-2 manifest
//   count-read --archive PATH [--command show|inspect-all] bytes that command reads from PATH
//   decompress --archive PATH [--buffer BYTES]           decompress only (ZstdSharp / GZipStream) to nowhere
//   tar-scan   --archive PATH [--buffer BYTES]           TarReader over the decompressor, optional BufferedStream
try
{
    if (args.Length == 0)
        return Usage();
    var options = Options.Parse(args.AsSpan(1));
    switch (args[0])
    {
        case "gen":
            Generator.Run(
                options.Require("fixture"),
                int.Parse(options.Get("mib", "1024")),
                int.Parse(options.Get("pid", "1")),
                options.Get("out", "."));
            return 0;
        case "gen-pages":
            PagesGenerator.Run(options.Require("criu"), int.Parse(options.Get("mib", "1024")), options.Get("out", "."));
            return 0;
        case "gen-pod":
            PodGenerator.Run(options.Require("archive"), int.Parse(options.Get("containers", "2")), options.Get("out", "."));
            return 0;
        case "count-read":
            Console.WriteLine($"bytes_read={Probes.CountRead(options.Require("archive"), options.Get("command", "show"))}");
            return 0;
        case "decompress":
            Probes.Decompress(options.Require("archive"), int.Parse(options.Get("buffer", "0")));
            return 0;
        case "tar-scan":
            Probes.TarScan(options.Require("archive"), int.Parse(options.Get("buffer", "0")));
            return 0;
        default:
            return Usage();
    }
}
catch (Exception e) when (e is ArgumentException or FormatException or IOException or InvalidDataException)
{
    Console.Error.WriteLine($"checkpointctl-bench: {e.Message}");
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: checkpointctl-bench gen --fixture TAR [--mib N] [--pid P] [--out DIR]");
    Console.Error.WriteLine("       checkpointctl-bench count-read --archive PATH [--command show|inspect-all]");
    Console.Error.WriteLine("       checkpointctl-bench decompress|tar-scan --archive PATH [--buffer BYTES]");
    return 2;
}

namespace Checkpointctl.Bench
{
    /// <summary><c>--name value</c> pairs.</summary>
    internal sealed class Options
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        public static Options Parse(ReadOnlySpan<string> args)
        {
            var options = new Options();
            for (var i = 0; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                    throw new ArgumentException($"unexpected argument {args[i]}");
                options._values[args[i][2..]] = args[++i];
            }
            return options;
        }

        public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

        public string Require(string name) => _values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");
    }
}
