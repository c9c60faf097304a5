using Checkpointctl.Fuzz;

namespace Checkpointctl.Tests;

/// <summary>
/// Replays the committed fuzzing results (fuzz/corpus/&lt;harness&gt;/ and fuzz/crashes/&lt;harness&gt;/, see fuzz/README.md)
/// through the fuzz harnesses themselves (fuzz/Checkpointctl.Fuzz/FuzzTargets.cs, linked into this project): every input
/// must be accepted or rejected with a <see cref="Core.CheckpointException"/>; any other exception is a bug.
/// A crash not fixed yet is listed in fuzz/crashes/open.txt with the exception it still throws.
/// </summary>
public class FuzzRegressionTests
{
    private static readonly string FuzzDirectory = Path.Combine(TestPaths.RepoRoot, "fuzz");

    /// <summary>
    /// Every harness's corpus, and every crash directory run.sh left (it removes a harness's empty one, so a harness
    /// that never crashed has none); each set must hold at least one input.
    /// </summary>
    public static TheoryData<string, string> Sets()
    {
        var data = new TheoryData<string, string>();
        foreach (var harness in FuzzTargets.Names)
            data.Add("corpus", harness);
        foreach (var directory in Directory.EnumerateDirectories(Path.Combine(FuzzDirectory, "crashes")).Order(StringComparer.Ordinal))
            data.Add("crashes", Path.GetFileName(directory));
        return data;
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void Every_input_is_accepted_or_rejected_with_a_checkpoint_error(string kind, string harness)
    {
        Assert.Contains(harness, FuzzTargets.Names);
        var directory = Path.Combine(FuzzDirectory, kind, harness);
        Assert.True(Directory.Exists(directory), $"fuzz/{kind}/{harness} is missing");
        var files = Directory.GetFiles(directory).Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count > 0, $"fuzz/{kind}/{harness} has no inputs to replay");
        var open = OpenCrashes();
        var failures = new List<string>();
        foreach (var file in files)
        {
            var name = $"{harness}/{Path.GetFileName(file)}";
            Exception? escaped = null;
            try
            {
                FuzzTargets.Run(harness, File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                escaped = e;
            }
            if (open.TryGetValue(name, out var expected))
            {
                if (escaped?.GetType().FullName != expected)
                    failures.Add($"{name}: listed in fuzz/crashes/open.txt as throwing {expected}, but {(escaped == null ? "nothing escaped" : escaped.GetType().FullName)} (fixed? remove the line)");
            }
            else if (escaped != null)
            {
                failures.Add($"{name}: {escaped}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {files.Count} inputs failed:\n" + string.Join("\n\n", failures));
    }

    [Fact]
    public void Open_crashes_name_committed_files()
    {
        foreach (var name in OpenCrashes().Keys)
            Assert.True(File.Exists(Path.Combine(FuzzDirectory, "crashes", name)), $"fuzz/crashes/open.txt names a missing file: {name}");
    }

    // "<harness>/<file> <exception type>" per line; '#' starts a comment.
    private static Dictionary<string, string> OpenCrashes()
    {
        var path = Path.Combine(FuzzDirectory, "crashes", "open.txt");
        var open = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
            return open;
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
                continue;
            var parts = line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(parts.Length == 2, $"fuzz/crashes/open.txt: expected \"<harness>/<file> <exception type>\": {raw}");
            open[parts[0]] = parts[1];
        }
        return open;
    }
}
