namespace Checkpointctl.Core.Image;

/// <summary>
/// <c>PATH:NAME</c>: one image of an archive or layout that holds several, named as skopeo's <c>oci:PATH:NAME</c>
/// does. Only a path that does not exist is split, at the first colon after which the rest names an image in an
/// existing file or directory, so every existing path keeps its meaning.
/// </summary>
internal static class ImageReference
{
    /// <summary>The existing image path and the name after it; null when <paramref name="path"/> is no such pair.</summary>
    public static (string Path, string Reference)? Split(string path)
    {
        for (var colon = path.IndexOf(':', 1); colon > 0 && colon < path.Length - 1; colon = path.IndexOf(':', colon + 1))
        {
            var prefix = path[..colon];
            if (File.Exists(prefix) || Directory.Exists(prefix))
                return (prefix, path[(colon + 1)..]);
        }
        return null;
    }
}
