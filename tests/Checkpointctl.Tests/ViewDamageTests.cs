namespace Checkpointctl.Tests;

/// <summary>
/// Every image of a dump damaged in turn (cut in half, bytes flipped): the views, <c>check</c> and <c>image</c> end in a
/// result or one <c>Error:</c> line (check: findings), never an internal error or a stack trace.
/// </summary>
public class ViewDamageTests
{
    public static TheoryData<string, string> Damages()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.EnumerateFiles(TestPaths.Criu("shell-loop")).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            if (file!.StartsWith("pages-", StringComparison.Ordinal) || file == "dump.log")
                continue;
            data.Add(file, "cut");
            data.Add(file, "flip");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void Damaged_image_is_an_error_or_a_finding(string image, string damage)
    {
        using var dir = new ScratchDir();
        foreach (var file in Directory.EnumerateFiles(TestPaths.Criu("shell-loop")))
            File.Copy(file, Path.Combine(dir.Path, Path.GetFileName(file)));
        var path = Path.Combine(dir.Path, image);
        var bytes = File.ReadAllBytes(path);
        File.Delete(path);
        if (damage == "cut")
            bytes = bytes[..(bytes.Length / 2)];
        else
        {
            for (var i = 8; i < bytes.Length; i += 7)
                bytes[i] ^= 0xa5;
        }
        File.WriteAllBytes(path, bytes);
        foreach (var args in new[]
                 {
                     new[] { "inspect", dir.Path, "--everything" }, ["inspect", dir.Path, "--everything", "--format", "json"],
                     ["check", dir.Path, "--skip-host"], ["image", dir.Path, "--list"], ["image", dir.Path, image],
                     ["memparse", dir.Path, "--mapping", "heap"],
                 })
        {
            var result = CliRunner.Run(args);
            Assert.DoesNotContain("internal error", result.Stderr);
            Assert.DoesNotContain("   at ", result.Stderr);
            if (result.ExitCode == 1)
                CliRunner.AssertError(result);
            else if (args[0] == "check")
                Assert.Equal(2, result.ExitCode);
            else
                Assert.Equal(0, result.ExitCode);
        }
    }
}
