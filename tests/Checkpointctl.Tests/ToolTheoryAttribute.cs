namespace Checkpointctl.Tests;

/// <summary>A theory that runs only where the named tools are on PATH; the skip reason names what is missing.</summary>
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(params string[] tools) => Skip = ToolFactAttribute.MissingTools(tools);
}
