namespace Checkpointctl.Tests;

/// <summary>A theory that runs only where the named tools are on PATH; the skip reason names what is missing.</summary>
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(params string[] tools)
    {
        var missing = tools.Where(t => !(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, t)))).ToList();
        if (missing.Count > 0)
            Skip = $"needs {string.Join(", ", missing)} on PATH";
    }
}
