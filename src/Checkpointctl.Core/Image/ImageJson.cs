using System.Text.Json;

namespace Checkpointctl.Core.Image;

/// <summary>Bounded, type-checked reading of the JSON documents of an image (index, manifest, config, manifest.json).</summary>
internal static class ImageJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <exception cref="InvalidCheckpointException">Not JSON, or nested too deeply.</exception>
    public static JsonDocument Parse(ReadOnlyMemory<byte> bytes, string path, string what)
    {
        try
        {
            return JsonDocument.Parse(bytes, Options);
        }
        catch (JsonException e)
        {
            throw new InvalidCheckpointException($"{path}: failed to unmarshal {what}: {Metadata.JsonInput.Describe(bytes.Span, e)}", e);
        }
    }

    public static string String(JsonElement element, string name, string what) =>
        OptionalString(element, name, what) ?? throw new InvalidCheckpointException($"{what}: no \"{name}\"");

    public static string? OptionalString(JsonElement element, string name, string what)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString()!
            : throw new InvalidCheckpointException($"{what}: \"{name}\" is not a string");
    }

    /// <summary>An object of strings (annotations, labels); absent or null is empty.</summary>
    public static Dictionary<string, string> StringMap(JsonElement element, string name, string what)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return map;
        if (value.ValueKind != JsonValueKind.Object)
            throw new InvalidCheckpointException($"{what}: \"{name}\" is not an object of strings");
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw new InvalidCheckpointException($"{what}: \"{name}\" has a value that is not a string ({Printable(p.Name)})");
            map[p.Name] = p.Value.GetString()!;
        }
        return map;
    }

    /// <summary>An array (absent or null: empty), at most <see cref="ImageLayout.MaxDescriptors"/> long.</summary>
    public static IReadOnlyList<JsonElement> Array(JsonElement element, string name, string what)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return [];
        if (value.ValueKind != JsonValueKind.Array)
            throw new InvalidCheckpointException($"{what}: \"{name}\" is not an array");
        if (value.GetArrayLength() > ImageLayout.MaxDescriptors)
            throw new InvalidCheckpointException($"{what}: \"{name}\" has more than {ImageLayout.MaxDescriptors} entries");
        return value.EnumerateArray().ToList();
    }

    public static string Printable(string s) => new(s.Select(c => char.IsControl(c) ? '?' : c).Take(200).ToArray());
}
