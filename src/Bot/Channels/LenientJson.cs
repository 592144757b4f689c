using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OimBot.Bot.Channels;

/// <summary>
/// Reading a provider's JSON as courier does: a field of another type than the one documented is not a reason to refuse
/// a signed webhook (a refused one is sent again for days, with the other people's messages in it). Numbers and
/// booleans where a string is documented are read as their text; an object or array there fails only the part that
/// holds it, which the adapter then reads one field at a time (<see cref="LenientJson"/>).
/// </summary>
public sealed class LenientStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                return RawText(ref reader);
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            default:
                // An object or an array: which string in it would be the one asked for is a guess. The part that holds
                // it is read field by field instead (and marked unreadable when it is what the person sent).
                throw new JsonException($"expected a string, found {reader.TokenType}");
        }
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }

    private static string RawText(ref Utf8JsonReader reader) =>
        reader.HasValueSequence ? Encoding.UTF8.GetString(reader.ValueSequence) : Encoding.UTF8.GetString(reader.ValueSpan);
}

/// <summary>
/// Fields read one by one from a payload the typed models could not bind, so that what can be read of it still is:
/// each returns null (or nothing) for a field that is missing or of a shape it cannot read, and never throws.
/// </summary>
public static class LenientJson
{
    /// <summary>A string, or a number's or boolean's text; null for anything else.</summary>
    public static string? Text(JsonElement parent, string name) =>
        Property(parent, name) is { } value ? value.ValueKind switch
        {
            JsonValueKind.String => StringOrNull(value),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        } : null;

    /// <summary>A whole number, written as a number or as a string of digits.</summary>
    public static long? WholeNumber(JsonElement parent, string name) =>
        Property(parent, name) is { } value && (value.ValueKind == JsonValueKind.Number ? value.TryGetInt64(out var number)
            : value.ValueKind == JsonValueKind.String && long.TryParse(StringOrNull(value), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number))
            ? number
            : null;

    /// <summary>
    /// A string's value; null for one that is not well-formed UTF-16 (a lone surrogate, which JSON's escapes can write and
    /// GetString refuses with an InvalidOperationException: it had made the webhook answer 500, found by RandomTextTests).
    /// </summary>
    private static string? StringOrNull(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Whether the named member is there with any value but null (whatever its shape).</summary>
    public static bool Has(JsonElement parent, string name) =>
        Property(parent, name) is { ValueKind: not JsonValueKind.Null };

    /// <summary>The named member when it is an object.</summary>
    public static JsonElement? Child(JsonElement parent, string name) =>
        Property(parent, name) is { ValueKind: JsonValueKind.Object } value ? value : null;

    /// <summary>The objects in the named array (anything else in it, and anything but an array, is passed over).</summary>
    public static IEnumerable<JsonElement> Children(JsonElement parent, string name) =>
        Property(parent, name) is { ValueKind: JsonValueKind.Array } array
            ? array.EnumerateArray().Where(item => item.ValueKind == JsonValueKind.Object)
            : [];

    private static JsonElement? Property(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) ? value : null;
}
