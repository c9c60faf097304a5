namespace Checkpointctl.Tests;

/// <summary>Byte-for-byte comparison with a committed golden file; <c>UPDATE_GOLDEN=1</c> rewrites it.</summary>
public static class GoldenFile
{
    public static void Assert(string actual, string relativePath)
    {
        var path = Path.Combine(TestPaths.Golden, relativePath);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
        }
        Xunit.Assert.True(File.Exists(path), $"golden file {relativePath} is missing (run with UPDATE_GOLDEN=1)");
        Xunit.Assert.Equal(File.ReadAllText(path), actual);
    }

    /// <summary>Replaces the fixture folder in output with <c>&lt;FIXDIR&gt;</c>, as the upstream outputs do.</summary>
    public static string Normalize(string output, string archivePath) =>
        output.Replace(Path.GetDirectoryName(archivePath)!, "<FIXDIR>", StringComparison.Ordinal);
}
