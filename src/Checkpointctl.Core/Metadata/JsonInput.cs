using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace Checkpointctl.Core.Metadata;

/// <summary>
/// Deserialises metadata JSON with messages in Go's <c>encoding/json</c> words, which upstream's scripts match
/// (e.g. "unexpected end of JSON input"); System.Text.Json's own texts never reach the user.
/// </summary>
internal static partial class JsonInput
{
    public static T Deserialize<T>(ReadOnlySpan<byte> json, JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InvalidCheckpointException($"failed to unmarshal {what}: {Describe(json, e)}", e);
        }
    }

    /// <summary>Go's wording for the error, with the position after it.</summary>
    public static string Describe(ReadOnlySpan<byte> json, JsonException e)
    {
        if (json.Trim(" \t\r\n"u8).IsEmpty || e.Message.Contains("end of the JSON payload", StringComparison.Ordinal)
            || e.Message.Contains("does not contain any JSON tokens", StringComparison.Ordinal)
            || e.Message.Contains("Expected depth to be zero", StringComparison.Ordinal)
            || e.Message.Contains("reached end of data", StringComparison.Ordinal))
            return "unexpected end of JSON input";
        if (e.Message == "null")
            return "JSON value is null";
        var position = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
        if (e.Path is { } path && e.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            var target = path.Length > 1 ? $"Go struct field {path.TrimStart('$', '.')}" : "Go value";
            return $"json: cannot unmarshal {KindAt(json, path)} into {target}{position}";
        }
        return SyntaxError(e.Message) + position;
    }

    // System.Text.Json's syntax messages name the offending character first; Go says what it was looking for.
    private static string SyntaxError(string message)
    {
        var match = OffendingCharacter().Match(message);
        if (!match.Success)
            return "invalid JSON";
        var c = match.Groups[1].Value;
        if (message.Contains("invalid start of a value", StringComparison.Ordinal))
            return $"invalid character '{c}' looking for beginning of value";
        if (message.Contains("invalid start of a property name", StringComparison.Ordinal))
            return $"invalid character '{c}' looking for beginning of object key string";
        if (message.Contains("after a property name", StringComparison.Ordinal))
            return $"invalid character '{c}' after object key";
        if (message.Contains("after a value", StringComparison.Ordinal))
            return $"invalid character '{c}' after value";
        return $"invalid character '{c}'";
    }

    // Go names the JSON kind it could not store: "array", "number", "string", "object", "bool".
    private static string KindAt(ReadOnlySpan<byte> json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
            var element = document.RootElement;
            foreach (Match step in PathStep().Matches(path))
            {
                element = step.Groups[1].Success
                    ? element.ValueKind == JsonValueKind.Object && element.TryGetProperty(step.Groups[1].Value, out var p) ? p : default
                    : element.ValueKind == JsonValueKind.Array && int.Parse(step.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) < element.GetArrayLength()
                        ? element[int.Parse(step.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)] : default;
            }
            return GoKind(element);
        }
        catch (Exception e) when (e is JsonException or FormatException or OverflowException)
        {
            return "value";
        }
    }

    /// <summary>The kind of JSON value as Go's encoding/json names it in an unmarshal error.</summary>
    public static string GoKind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "value",
    };

    [GeneratedRegex(@"^'(.)'")]
    private static partial Regex OffendingCharacter();

    [GeneratedRegex(@"\.([^.\[]+)|\[(\d+)\]")]
    private static partial Regex PathStep();
}
