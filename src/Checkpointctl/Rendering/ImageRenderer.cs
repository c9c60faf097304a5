using Checkpointctl.Core.Archive;

namespace Checkpointctl.Cli.Rendering;

/// <summary>
/// The checkpoint image a checkpoint was read from, in <c>inspect</c>'s tree and JSON and in <c>show</c>'s table.
/// Not upstream's (it reads no images): new fields only, so every existing field keeps its meaning.
/// </summary>
internal static class ImageRenderer
{
    public static readonly string[] ShowHeaders = ["CHECKPOINT IMAGE", "IMAGE DIGEST"];

    /// <summary>The image's name and its digest shortened as <c>podman images</c> shortens IDs (empty for a plain checkpoint).</summary>
    public static string[] ShowCells(ImageDescription? image) =>
        image == null ? ["", ""] : [image.Name, Short(image.Digest)];

    public static void AddTo(TreeNode root, ImageDescription image)
    {
        var node = root.Add("Checkpoint image");
        node.Add($"Name: {image.Name}");
        node.Add($"Format: {image.Format} ({image.Kind})");
        if (image.Digest.Length > 0)
            node.Add($"Digest: {image.Digest}");
        if (image.Id.Length > 0)
            node.Add($"Image ID: {image.Id}");
        node.Add($"Checkpoint media type: {image.LayerMediaType}");
        if (image.BaseImage.Length > 0)
            node.Add($"Base image: {image.BaseImage}");
        if (image.Runtime.Length > 0)
            node.Add($"Runtime: {image.Runtime}");
        AddMap(node, "Annotations", image.Annotations);
        AddMap(node, "Labels", image.Labels);
    }

    public static void Write(GoJsonWriter w, ImageDescription image)
    {
        w.Name("checkpoint_image");
        w.BeginObject();
        w.Property("name", image.Name);
        w.Property("format", image.Format);
        w.Property("kind", image.Kind);
        w.OptionalProperty("digest", image.Digest);
        w.OptionalProperty("id", image.Id);
        w.Property("checkpoint_media_type", image.LayerMediaType);
        w.OptionalProperty("base_image", image.BaseImage);
        w.OptionalProperty("runtime", image.Runtime);
        WriteMap(w, "annotations", image.Annotations);
        WriteMap(w, "labels", image.Labels);
        w.EndObject();
    }

    private static void AddMap(TreeNode parent, string title, IReadOnlyList<KeyValuePair<string, string>> map)
    {
        if (map.Count == 0)
            return;
        var node = parent.Add(title);
        foreach (var (key, value) in map)
            node.Add($"{key}: {value}");
    }

    private static void WriteMap(GoJsonWriter w, string name, IReadOnlyList<KeyValuePair<string, string>> map)
    {
        if (map.Count == 0)
            return;
        w.Name(name);
        w.BeginObject();
        foreach (var (key, value) in map)
            w.Property(key, value);
        w.EndObject();
    }

    private static string Short(string digest)
    {
        var colon = digest.IndexOf(':');
        return colon < 0 ? digest : digest[(colon + 1)..Math.Min(digest.Length, colon + 13)];
    }
}
