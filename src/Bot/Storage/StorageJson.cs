using System.Text.Json.Serialization;
using OimBot.Bot.Dialogs;
using OimBot.Content;

namespace OimBot.Bot.Storage;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConversationState))]
[JsonSerializable(typeof(List<RenderedReply>))]
[JsonSerializable(typeof(RenderedReply))]
[JsonSerializable(typeof(CaseSummary))]
[JsonSerializable(typeof(OimBot.Bot.Channels.SpooledMessage))]
internal sealed partial class StorageJson : JsonSerializerContext;
