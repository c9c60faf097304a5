using System.Text.Json;
using System.Text.RegularExpressions;

namespace Checkpointctl.Core.Image;

/// <summary>An OCI content descriptor, checked: a known digest algorithm with a well-formed hex part, a size that is not negative.</summary>
internal sealed partial record ImageDescriptor(string MediaType, string Digest, long Size,
    IReadOnlyDictionary<string, string> Annotations, string? Os, string? Architecture)
{
    /// <summary>Where the blob is in an OCI layout: <c>blobs/&lt;alg&gt;/&lt;hex&gt;</c>, built only from a checked digest.</summary>
    public string BlobPath => $"{ImageLayout.BlobsDirectory}/{Digest.Replace(':', '/')}";

    public string Annotation(string key) => Annotations.GetValueOrDefault(key, "");

    /// <exception cref="InvalidCheckpointException">The descriptor is malformed.</exception>
    public static ImageDescriptor Parse(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InvalidCheckpointException($"{what}: a descriptor is not a JSON object");
        var mediaType = ImageJson.String(element, "mediaType", what);
        var digest = ImageJson.String(element, "digest", what);
        if (!DigestPattern().IsMatch(digest))
            throw new InvalidCheckpointException($"{what}: invalid digest \"{ImageJson.Printable(digest)}\"");
        if (!element.TryGetProperty("size", out var size) || size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out var length) || length < 0)
            throw new InvalidCheckpointException($"{what}: descriptor {digest} has no valid size");
        string? os = null, arch = null;
        if (element.TryGetProperty("platform", out var platform) && platform.ValueKind == JsonValueKind.Object)
        {
            os = ImageJson.OptionalString(platform, "os", what);
            arch = ImageJson.OptionalString(platform, "architecture", what);
        }
        return new ImageDescriptor(mediaType, digest, length, ImageJson.StringMap(element, "annotations", what), os, arch);
    }

    // A digest as the OCI spec registers them (sha256, sha512), lower-case hex of the right length.
    [GeneratedRegex("^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$", RegexOptions.CultureInvariant)]
    private static partial Regex DigestPattern();
}
