namespace Checkpointctl.Tests;

/// <summary>Locations of the repository and of the shared fixtures (<c>../shared/fixtures</c> from the repository root).</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Fixtures { get; } = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures"));

    public static string Golden { get; } = Path.Combine(RepoRoot, "tests", "golden");

    public static string Archive(string name) => Path.Combine(Fixtures, "archives", name);

    public static string Wrapped(string name) => Path.Combine(Fixtures, "wrapped", name);

    public static string Criu(string name) => Path.Combine(Fixtures, "criu", name);

    public static string UpstreamOutput(string archive, string @case) => Path.Combine(Fixtures, "upstream-output", archive, @case);

    /// <summary>Every podman archive and wrapped archive of the shared fixtures.</summary>
    public static IEnumerable<string> AllArchives() =>
        Directory.EnumerateFiles(Path.Combine(Fixtures, "archives"))
            .Where(f => f.EndsWith(".tar", StringComparison.Ordinal) || f.EndsWith(".tar.gz", StringComparison.Ordinal) || f.EndsWith(".tar.zst", StringComparison.Ordinal))
            .Concat(Directory.EnumerateFiles(Path.Combine(Fixtures, "wrapped"), "*.tar*"))
            .Order(StringComparer.Ordinal);

    public static TheoryData<string> AllArchiveNames()
    {
        var data = new TheoryData<string>();
        foreach (var a in AllArchives())
            data.Add(Path.GetFileName(a));
        return data;
    }

    /// <summary>Full path of a fixture archive by file name (archives/ or wrapped/).</summary>
    public static string ArchiveByName(string name) =>
        File.Exists(Archive(name)) ? Archive(name) : Wrapped(name);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "checkpointctl.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException("repository root (checkpointctl.slnx) not found");
    }
}
