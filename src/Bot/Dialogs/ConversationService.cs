using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OimBot.Analytics;
using OimBot.Bot.Outbox;
using OimBot.Bot.ContentHosting;
using OimBot.Bot.Handoff;
using OimBot.Bot.Storage;
using OimBot.Content;

namespace OimBot.Bot.Dialogs;

/// <summary>
/// The I/O shell around the pure engine: load the conversation, run the turn, commit state, handoff requests and
/// anonymous events in one transaction. Channels call this and nothing else.
/// </summary>
public sealed partial class ConversationService(
    IConversationStore store,
    ContentHost content,
    IEnumerable<IChannelSender> senders,
    OutboxSignal outbox,
    CaseEvents caseEvents,
    TimeProvider clock,
    IOptions<DialogOptions> options,
    ILogger<ConversationService> logger)
{
    private readonly Dictionary<string, IChannelSender> _senders = senders.ToDictionary(s => s.Channel, StringComparer.Ordinal);

    /// <param name="delivery">In the HTTP response (web chat), or through the outbox (messaging channels).</param>
    /// <param name="mayOpenCase">Asked only when the turn would open a case, with whether it is high priority; false refuses it (a limit on the open web chat).</param>
    /// <param name="yieldToQueue">Nothing is done when the person has messages in the shared inbound queue (<see cref="TurnOptions.YieldToQueue"/>).</param>
    public async Task<TurnOutcome> HandleAsync(ChannelAddress from, string? inboundMessageId, UserMessage message, Delivery delivery, CancellationToken cancellationToken, Func<bool, bool>? mayOpenCase = null, bool yieldToQueue = false)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(delivery);
        var set = content.Current;
        var now = clock.GetUtcNow();
        var day = PanamaTime.Today(clock);
        var outcome = await store.RunTurnAsync(from, inboundMessageId, now, stored =>
        {
            var result = DialogEngine.Step(set, stored?.State, message with { Channel = from.Channel }, now, options.Value);
            if (mayOpenCase is not null && result.State is not null && result.CaseActions.OfType<CaseAction.Open>().FirstOrDefault() is { } open && !mayOpenCase(open.HighPriority))
            {
                result = DialogEngine.CaseRefused(set, result);
            }

            var language = result.State?.Language ?? stored?.State.Language ?? set.Common.SourceLanguage;
            List<AnalyticsEvent> events =
            [
                new(EventKind.MessageReceived, from.Channel, language, null, null, set.VersionId, day),
                .. result.Events.Select(e => new AnalyticsEvent(e.Kind, from.Channel, e.Language, e.NodeId, e.Topic, set.VersionId, day, e.Score?.ToString(System.Globalization.CultureInfo.InvariantCulture))),

                // A case the user left (STOP, taken back) ends here, not in the inbox: counted with its outcome like the others.
                .. result.CaseActions.OfType<CaseAction.Leave>().Select(leave => new AnalyticsEvent(
                    EventKind.HandoffClosed, from.Channel, language, null, stored?.State.Topic, set.VersionId, day, CaseOutcomes.OfLeave(leave.Reason))),
            ];
            return new TurnDecision(
                result.State,
                Shape(from.Channel, result.Replies, delivery),
                events,
                result.CaseActions,
                set.VersionId,
                delivery,
                Activity(from.Channel, result.State, ActivityStep.From(events, node => set.Find(node)?.Kind is NodeKind.Message)),
                KeepHeld: result.State?.NodeId is { } node && (node == set.Common.ConfirmDeleteNode || node == set.Common.ConfirmStopNode));
        },
        (mayOpenCase is null ? TurnOptions.PureDecision : TurnOptions.None) // the web chat's case limit counts each call: decided once, inside
            | (yieldToQueue ? TurnOptions.YieldToQueue : TurnOptions.None),
        cancellationToken);

        if (outcome.Queued)
        {
            return outcome;
        }

        AskForClaimIfNeeded(delivery, outcome);
        if (outcome.CaseChanged)
        {
            caseEvents.Publish();
        }

        // Only opaque ids and counts: never the address or what the user wrote.
        LogTurn(logger, from.Channel, outcome.ConversationId ?? "-", outcome.Replies.Count, outcome.Duplicate);
        return outcome;
    }

    /// <summary>
    /// On the open web chat anyone (or any script) can start a conversation: a person counts towards reach only once they
    /// have chosen a language, a real exchange. Messaging channels stand for a phone number and count from the first message.
    /// </summary>
    private static IReadOnlyList<ActivityStep> Activity(string channel, ConversationState? state, IReadOnlyList<ActivityStep> steps) =>
        channel == Channels.ChannelNames.WebChat && state?.Consented != true ? [.. steps.Where(s => s.Step != Steps.Active)] : steps;

    /// <summary>
    /// Answers a message whose turn failed on every attempt with a short apology, and records its id as answered so the
    /// provider's redeliveries stop. Nothing else changes: the conversation keeps its state, no event is counted.
    /// </summary>
    public async Task<TurnOutcome> ApologizeAsync(ChannelAddress from, string? inboundMessageId, Delivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(delivery);
        var set = content.Current;
        var outcome = await store.RunTurnAsync(from, inboundMessageId, clock.GetUtcNow(), stored =>
        {
            var result = DialogEngine.Failed(set.ForChannel(from.Channel), stored?.State);
            return new TurnDecision(result.State, Shape(from.Channel, result.Replies, delivery), [], [], set.VersionId, delivery);
        }, cancellationToken);
        AskForClaimIfNeeded(delivery, outcome);
        return outcome;
    }

    /// <summary>The dispatcher claims when the turn left a row for it; a reply handed over needs no claim.</summary>
    private void AskForClaimIfNeeded(Delivery delivery, TurnOutcome outcome)
    {
        if (delivery.ThroughOutbox && !outcome.Duplicate && outcome.LeftForClaim)
        {
            outbox.Notify();
        }
    }

    /// <summary>Replies cut to what the channel's provider accepts, so one outbox row is one provider message.</summary>
    private IReadOnlyList<RenderedReply> Shape(string channel, IReadOnlyList<RenderedReply> replies, Delivery delivery) =>
        delivery.ThroughOutbox ? [.. replies.SelectMany(r => Shape(channel, r))] : replies;

    /// <summary>One reply cut for a channel (web chat and channels without a sender keep it whole).</summary>
    public IReadOnlyList<RenderedReply> Shape(string channel, RenderedReply reply) =>
        _senders.TryGetValue(channel, out var sender) ? sender.Shape(reply) : [reply];

    [LoggerMessage(Level = LogLevel.Debug, Message = "Turn on {Channel} for conversation {ConversationId}: {Replies} replies (repeat delivery: {Duplicate})")]
    private static partial void LogTurn(ILogger logger, string channel, string conversationId, int replies, bool duplicate);
}

public static class DialogsSetup
{
    public static IHostApplicationBuilder AddDialogs(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<DialogOptions>().BindConfiguration(DialogOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ConversationService>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }
}
