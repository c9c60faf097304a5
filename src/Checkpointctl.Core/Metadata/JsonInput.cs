using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Checkpointctl.Core.Metadata;

/// <summary>Deserialises metadata JSON with messages in the words upstream's scripts match (e.g. "unexpected end of JSON input").</summary>
internal static class JsonInput
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

    /// <summary>Go's wording for truncated input; otherwise the parser's own first sentence and position.</summary>
    public static string Describe(ReadOnlySpan<byte> json, JsonException e)
    {
        if (json.Trim(" \t\r\n"u8).IsEmpty || e.Message.Contains("end of the JSON payload", StringComparison.Ordinal)
            || e.Message.Contains("does not contain any JSON tokens", StringComparison.Ordinal)
            || e.Message.Contains("Expected depth to be zero", StringComparison.Ordinal))
            return "unexpected end of JSON input";
        if (e.Message == "null")
            return "JSON value is null";
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
            message = message[..cut];
        message = message.TrimEnd('.', ' ');
        return e.LineNumber is { } line ? $"{message} (line {line + 1}, byte {e.BytePositionInLine + 1})" : message;
    }
}
