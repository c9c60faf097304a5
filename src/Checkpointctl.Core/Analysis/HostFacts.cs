using System.Diagnostics;
using System.Runtime.InteropServices;
using CpuArchitecture = System.Runtime.InteropServices.Architecture;
using System.Text.RegularExpressions;

namespace Checkpointctl.Core.Analysis;

/// <summary>The facts of the host a checkpoint would be restored on, as <c>check</c> compares them.</summary>
/// <param name="Architecture">The OCI architecture name (<c>amd64</c>, <c>arm64</c> …).</param>
/// <param name="CriuVersion">The installed CRIU's version, or null when <c>criu</c> is not on PATH.</param>
/// <param name="Kernel">The kernel release (<c>uname -r</c>).</param>
/// <param name="CgroupVersion">1 or 2; null when unknown.</param>
/// <param name="HasProgram">Whether a program (an OCI runtime) is on PATH.</param>
/// <param name="PageSize">The page size in bytes.</param>
public sealed partial record HostFacts(string Architecture, int PageSize, string? CriuVersion, string? Kernel, int? CgroupVersion, Func<string, bool> HasProgram)
{
    /// <summary>This host's facts (runs <c>criu --version</c> when CRIU is installed).</summary>
    public static HostFacts Current() => new(
        RuntimeInformation.OSArchitecture switch
        {
            CpuArchitecture.X64 => "amd64", CpuArchitecture.Arm64 => "arm64", CpuArchitecture.Arm => "arm", CpuArchitecture.X86 => "386",
            CpuArchitecture.S390x => "s390x", CpuArchitecture.Ppc64le => "ppc64le", CpuArchitecture.LoongArch64 => "loong64", CpuArchitecture.RiscV64 => "riscv64",
            var other => other.ToString().ToLowerInvariant(),
        },
        Environment.SystemPageSize,
        InstalledCriuVersion(),
        ReadLine("/proc/sys/kernel/osrelease"),
        File.Exists("/sys/fs/cgroup/cgroup.controllers") ? 2 : Directory.Exists("/sys/fs/cgroup") ? 1 : null,
        p => FindOnPath(p) != null);

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    private static string? ReadLine(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    // "Version: 4.2" from `criu --version`; null when CRIU is missing or does not answer within 10 seconds.
    private static string? InstalledCriuVersion()
    {
        if (FindOnPath("criu") is not { } criu)
            return null;
        try
        {
            using var process = Process.Start(new ProcessStartInfo(criu, ["--version"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(10_000))
            {
                process.Kill();
                return null;
            }
            return VersionLine().Match(output.Result) is { Success: true } m ? m.Groups[1].Value.Trim() : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }

    /// <summary>Compares the leading numbers of two versions (<c>4.1.1</c> &lt; <c>4.2</c>); null when either has none.</summary>
    public static int? CompareVersions(string a, string b)
    {
        var x = Numbers(a);
        var y = Numbers(b);
        if (x.Count == 0 || y.Count == 0)
            return null;
        for (var i = 0; i < Math.Max(x.Count, y.Count); i++)
        {
            var c = (i < x.Count ? x[i] : 0).CompareTo(i < y.Count ? y[i] : 0);
            if (c != 0)
                return c;
        }
        return 0;
    }

    private static List<long> Numbers(string version) =>
        LeadingVersion().Match(version) is { Success: true } m ? m.Value.Split('.').Select(p => long.TryParse(p, out var n) ? n : 0).ToList() : [];

    [GeneratedRegex(@"Version:\s*(\S+)")]
    private static partial Regex VersionLine();

    [GeneratedRegex(@"^\d+(\.\d+)*")]
    private static partial Regex LeadingVersion();
}
