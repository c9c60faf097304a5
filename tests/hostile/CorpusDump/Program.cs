using System.Globalization;
using System.Text.RegularExpressions;
using Checkpointctl.Tests.Hostile;

// Usage: CorpusDump OUTDIR [--filter REGEX] [--count] [--xz-bomb-bytes N] FIXTURE...
// Writes every variant of every fixture as OUTDIR/<id>.tar and one line per variant to OUTDIR/manifest.tsv:
// file, original fixture path, root PID of the original, variant id.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: CorpusDump OUTDIR [--filter REGEX] [--count] [--xz-bomb-bytes N] FIXTURE...");
    return 2;
}
var outDir = args[0];
Regex? filter = null;
var countOnly = false;
var options = CorpusOptions.Full;
var fixtures = new List<string>();
for (var i = 1; i < args.Length; i++)
{
    if (args[i] == "--filter")
        filter = new Regex(args[++i]);
    else if (args[i] == "--count")
        countOnly = true;
    else if (args[i] == "--xz-bomb-bytes")
        options = options with { XzBombBytes = long.Parse(args[++i], CultureInfo.InvariantCulture) };
    else
        fixtures.Add(Path.GetFullPath(args[i]));
}
Directory.CreateDirectory(outDir);
using var manifest = new StreamWriter(Path.Combine(outDir, "manifest.tsv")) { NewLine = "\n" };
var count = 0;
var families = new SortedDictionary<string, int>(StringComparer.Ordinal);
foreach (var path in fixtures)
{
    var fixture = HostileFixture.Load(path);
    foreach (var v in HostileCorpus.Variants(fixture, options))
    {
        if (filter != null && !filter.IsMatch(v.Id))
            continue;
        if (countOnly)
        {
            families[v.Family] = families.GetValueOrDefault(v.Family) + 1;
            count++;
            continue;
        }
        var file = Path.Combine(outDir, v.FileName + ".tar");
        File.WriteAllBytes(file, v.Build());
        manifest.WriteLine(string.Join('\t', Path.GetFileName(file), path, fixture.RootPid.ToString(CultureInfo.InvariantCulture), v.Id));
        count++;
    }
    Console.Error.WriteLine($"{fixture.Name}: {count} variants so far");
}
foreach (var (family, n) in families)
    Console.Error.WriteLine($"  {family}: {n}");
Console.WriteLine(count);
return 0;
