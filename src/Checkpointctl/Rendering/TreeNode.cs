using System.Text;

namespace Checkpointctl.Cli.Rendering;

/// <summary>A tree printed with treeprint's glyphs (<c>├── </c>, <c>└── </c>, <c>│   </c>), as upstream prints it.</summary>
public sealed class TreeNode(string text)
{
    public string Text { get; } = text;
    public List<TreeNode> Children { get; } = [];

    public TreeNode Add(string text)
    {
        var node = new TreeNode(text);
        Children.Add(node);
        return node;
    }

    /// <summary>A node like treeprint's meta nodes: <c>[meta]  value</c>.</summary>
    public TreeNode AddMeta(string meta, string value) => Add($"[{meta}]  {value}");

    /// <summary>The tree as text; every line ends with a newline.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Text).Append('\n');
        AppendChildren(text, this, "");
        return text.ToString();
    }

    private static void AppendChildren(StringBuilder text, TreeNode node, string indent)
    {
        for (var i = 0; i < node.Children.Count; i++)
        {
            var last = i == node.Children.Count - 1;
            var child = node.Children[i];
            var lines = child.Text.Split('\n');
            text.Append(indent).Append(last ? "└── " : "├── ").Append(lines[0]).Append('\n');
            var continuation = indent + (last ? "    " : "│   ");
            foreach (var line in lines.Skip(1))
                text.Append(continuation).Append(line).Append('\n');
            AppendChildren(text, child, continuation);
        }
    }
}
