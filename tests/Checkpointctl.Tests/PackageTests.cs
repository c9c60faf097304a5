using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace Checkpointctl.Tests;

/// <summary>
/// <c>dotnet pack</c> of the library and the tool into a local folder, as the README shows them used: the tool installed
/// with <c>dotnet tool install --tool-path DIR --add-source FOLDER checkpointctl</c> runs, and the example program
/// builds against the library package (not the project) and prints what it prints from the project. Packs what the
/// test build built (<c>--no-build</c>); the package restores go to a temporary folder, so NuGet's global packages
/// folder never holds a test package.
/// </summary>
public sealed class PackageTests : IDisposable
{
    // Release or Debug, as this test assembly was built (tests/Checkpointctl.Tests/bin/<configuration>/net10.0).
    private static readonly string Configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
    private readonly string _dir = Directory.CreateTempSubdirectory("ckpt-pack-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void ToolInstallsAndRunsAndTheExampleBuildsAgainstTheLibraryPackage()
    {
        var feed = Path.Combine(_dir, "feed");
        var nuspecs = $"-p:NuspecOutputPath={Path.Combine(_dir, "nuspec")}";
        // A version of its own, so that no cached package of an earlier run can stand in for this one.
        var libraryVersion = $"1.6.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
        Dotnet("pack", "src/Checkpointctl.Core", "-c", Configuration, "--no-build", "-o", feed, $"-p:PackageVersion={libraryVersion}", nuspecs);
        Dotnet("pack", "src/Checkpointctl", "-c", Configuration, "--no-build", "-o", feed, nuspecs);

        var library = Path.Combine(feed, $"Checkpointctl.Core.{libraryVersion}.nupkg");
        using (var package = ZipFile.OpenRead(library))
        {
            Assert.Equal(["Checkpointctl.Core.nuspec", "README.md", "lib/net10.0/Checkpointctl.Core.dll", "lib/net10.0/Checkpointctl.Core.xml"],
                package.Entries.Select(e => e.FullName).Where(n => !n.StartsWith('_') && !n.StartsWith('[') && !n.StartsWith("package/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
            var nuspec = XDocument.Load(package.GetEntry("Checkpointctl.Core.nuspec")!.Open());
            var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).Order(StringComparer.Ordinal);
            Assert.Equal(["BouncyCastle.Cryptography", "Google.Protobuf", "K4os.Compression.LZ4", "SharpCompress", "ZstdSharp.Port"], dependencies);
        }

        var tools = Path.Combine(_dir, "tools");
        Dotnet("tool", "install", "--tool-path", tools, "--add-source", feed, "checkpointctl");
        var example = Path.Combine(TestPaths.RepoRoot, "examples", "simple-zstd.tar.zst");
        Assert.Equal($"checkpointctl version {Cli.CliApp.Version}\n", Run(Path.Combine(tools, "checkpointctl"), "--version"));
        Assert.Equal(CliRunner.Run("show", example).Stdout, Run(Path.Combine(tools, "checkpointctl"), "show", example));

        var artifacts = Path.Combine(_dir, "artifacts");
        Dotnet("build", "examples/ListProcesses", "-c", "Release", "--artifacts-path", artifacts, $"-p:CheckpointctlCoreVersion={libraryVersion}",
            $"-p:RestoreAdditionalProjectSources={feed}", $"-p:RestorePackagesPath={Path.Combine(_dir, "packages")}",
            $"-p:RestoreFallbackFolders={GlobalPackages()}");
        var program = Path.Combine(artifacts, "bin", "ListProcesses", "release", "ListProcesses.dll");
        Assert.Contains($"\"Checkpointctl.Core/{libraryVersion}\": {{\n      \"type\": \"package\"", File.ReadAllText(Path.ChangeExtension(program, ".deps.json")));
        Assert.Equal(ExampleProgramTests.ExpectedOutput, Run("dotnet", program, example, "counter.log"));
    }

    private static string GlobalPackages() =>
        Run("dotnet", "nuget", "locals", "global-packages", "--list").Trim().Split(": ", 2)[1];

    private static void Dotnet(params string[] args) => Run("dotnet", args);

    // Runs in the repository; returns stdout, failing with everything printed when the exit code is not 0.
    private static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = TestPaths.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(300_000), $"{file} {string.Join(' ', args)} did not finish");
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)}: exit {process.ExitCode}\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }
}
