using System.Globalization;
using OimBot.Analytics;
using OimBot.Content;
using OimBot.Content.Matching;

namespace OimBot.Bot.Dialogs;

/// <summary>
/// The conversation logic as a pure function: (content, state, message, now) → (new state, replies, events).
/// No I/O, no clock, no channel: every channel and the terminal chat run the same turns, and tests read as scripts.
/// </summary>
public static partial class DialogEngine
{
    /// <summary>
    /// A follow-up asked on an answer to a follow-up ("no verified information on that here", "only the institution can
    /// say", thanks) is about the page read before it: "¿cuánto tarda?" then "¿y cuánto cuesta?" on the way of return had
    /// got the chat's own cost, since the answer is a page of no topic. Only a reading as a follow-up about that page
    /// replaces what the message was read as here, and never an option, a command or danger.
    /// </summary>
    private static Understanding.Destination? FollowUpOnThePageBefore(ContentSet content, ConversationState state, ContentNode? current, string text, string[] words, Understanding understood)
    {
        if (current is null || !content.IsFollowUpAnswer(current) || text.Length == 0
            || understood is Understanding.Picked or Understanding.Command or Understanding.Danger || Understander.IsFollowUpAsked(understood.Why))
        {
            return null;
        }

        var before = state.History.Reverse().Select(content.Find).FirstOrDefault(n => n is null || !content.IsFollowUpAnswer(n));
        return before is not null && content.Understander.IsFollowUpPage(before)
            && content.Understander.UnderstandText(text, before, [], state.Language, words) is Understanding.Destination { Why: var why } again && Understander.IsFollowUpAsked(why)
            ? again
            : null;
    }

    /// <summary>
    /// The command of a message that is only a bot command ("/menu", "/help@OimBot") or Telegram's start with its deep
    /// link's payload ("/start", "/start campaign_x"), lower case; otherwise null ("/quiero volver" is read as written).
    /// </summary>
    internal static string? BotCommand(string text)
    {
        var match = BotCommandPattern().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var command = match.Groups[1].Value.ToLowerInvariant();
        return command == "start" || match.Groups[2].Value.Trim().Length == 0 ? command : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\s*/([A-Za-z][A-Za-z0-9_]{0,31})(?:@[A-Za-z0-9_]+)?(\s.*)?$", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex BotCommandPattern();

    /// <param name="state">The saved state, or null for a user the bot does not know (first contact or after BORRAR).</param>
    public static TurnResult Step(ContentSet content, ConversationState? state, UserMessage message, DateTimeOffset now, DialogOptions options)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(options);
        var channel = message.Channel ?? state?.Channel;
        content = content.ForChannel(channel);
        var turn = new Turn(content, now, options);
        var text = message.Kind == UserMessageKind.Text ? message.Text ?? string.Empty : string.Empty;

        // R2: identifying data a user volunteers is never matched, echoed or kept.
        var withheld = PersonalData.IsIn(text);
        // A bot command ("/start", "/start campaign_x", "/menu@OimBot") is the app's word, not the person's: its payload
        // and the bot's name are not read, and it tells no language (Telegram's /start had opened every chat in English).
        var botCommand = BotCommand(text);
        var words = botCommand is not null ? [botCommand] : TextNormalizer.WordsOf(PersonalData.ForMatching(text));
        var languageWords = botCommand is not null ? [] : words;

        var isNew = state is null;

        // R5: a session ends after a while without a message, but never under an open case: a person promised an answer
        // (on Monday, for a Friday evening request) must still find the conversation. Abandoned cases expire on their own.
        if (state is not null && !state.InCase && !state.CaseHidden && now - state.LastActivityAt > options.SessionExpiry)
        {
            // R5: an expired session starts again from the notice, in the language the user last chose.
            turn.Event(EventKind.SessionExpired, state.Language);
            turn.Note("session-expired", state.Language);
            state = Fresh(content, state.Language, now, turn);
            isNew = true;
        }

        // A first message is answered in the language it is written in (the source language when unsure).
        state ??= Fresh(content, content.Understander.DetectLanguage(languageWords, message.Hint), now, turn);
        state = state with { LastActivityAt = now, Channel = channel, SinceEmergency = state.LastEmergency is null ? 0 : state.SinceEmergency + 1 };

        // Before consent the notice asks for a language. Someone who answers it by writing in another language than the
        // notice's ("Je veux rentrer chez moi" under the Spanish notice) is read in the language they wrote, danger
        // included, and answered in it: the notice again in that language, where the message pointed kept for after it.
        // Only when the message itself tells the language (no channel hint, no default), and, past the notice (whose
        // options are the languages), not when it answers the question on the screen in the language already chosen: a
        // Creole "wi" to the offer of a person looks English to the letters (found in a new user's try). After consent,
        // a language changes only when the person chooses one.
        if (!isNew && !state.Consented && !state.InCase && message.Kind == UserMessageKind.Text
            && content.Understander.IdentifyLanguage(languageWords) is { } written && written != state.Language && content.Supports(written)
            && (state.NodeId == content.Common.StartNode
                || content.Understander.Understand(words, content.Find(state.NodeId), state.Shown, state.Language) is not Understanding.Picked))
        {
            state = state with { Language = written };
        }

        var resumed = state.Stopped;
        if (state.Stopped)
        {
            state = state with { Stopped = false };
            turn.Event(EventKind.Resumed, state.Language);
            turn.Note("resumed", state.Language);
        }

        if (withheld)
        {
            turn.Event(EventKind.PersonalDataWithheld, state.Language, state.NodeId);
            turn.Note("personal-data", state.Language);
        }

        if (state.InCase)
        {
            return HumanTurn(turn, state, message, text, words);
        }

        if (message.Kind == UserMessageKind.Unsupported)
        {
            turn.Event(EventKind.UnsupportedMessage, state.Language, state.NodeId);
            turn.Note("unsupported-media", state.Language);
            return turn.Finish(turn.Show(state, state.NodeId));
        }

        var current = content.Find(state.NodeId);
        if (withheld && words.All(w => w == PersonalData.Placeholder) && current is not null)
        {
            return turn.Finish(turn.Show(state, current.Id)); // only identifying data: the warning is the answer
        }

        var understood = message.Kind != UserMessageKind.Text
            ? new Understanding.Picked(message.ChoiceKey ?? string.Empty) { Why = "tap" }
            : current is not null && CrisisBefore(content, state) is { } emergency
                ? content.Understander.UnderstandAtTheOffer(text, current, emergency, state.Shown, state.Language, words)
                : content.Understander.UnderstandText(text, current, state.Shown, state.Language, words);
        understood = (Understanding?)FollowUpOnThePageBefore(content, state, current, text, words, understood) ?? understood;

        // Written in another served language and understood only there (danger, or where nothing else was understood):
        // answered in that language from now on, with a line saying so. A message the chosen language understands
        // never changes it, so a mixed-language sentence cannot flip the conversation.
        if (understood.WrittenIn is { } readIn && readIn != state.Language && content.Supports(readIn))
        {
            state = state with { Language = readIn };
            turn.Note("language-changed", readIn);
        }

        // At the notice, with a "yes" to a person kept for after it (a first message of danger, the lines, the offer, "sí"):
        // writing in the notice's language while it is on the screen chooses that language, as its option would. The case
        // opens and what was written is its first message. A blind tester held in a house said "sí", then "tengo miedo",
        // and got "elige tu idioma" twice while the request waited for a number. A language choice, a command other than
        // asking for a person, a "no" and danger are read as before; a message in another language shows the notice in it.
        if (!isNew && !state.Consented && state.NodeId == content.Common.StartNode && KeptYes(state) && message.Kind == UserMessageKind.Text
            && state.Shown.Count > 0 && state.Shown[0] == ContentNode.ChoiceKey(state.NodeId, state.Language)
            && understood is not (Understanding.Picked or Understanding.Danger) && understood is not Understanding.Command { Value: not GlobalCommand.Human }
            && !content.Understander.Declines(words)
            && Resolve(content, state.Shown[0]) is { } language)
        {
            var confirmed = Picked(turn, state, language);
            return confirmed.CaseActions.Any(a => a is CaseAction.Open)
                ? confirmed with { CaseActions = [.. confirmed.CaseActions, new CaseAction.Forward(Redact(text))] }
                : confirmed;
        }

        // At the notice, shown in the language the person writes in, a question or a topic written in it again instead of
        // a tap chooses that language, as its first option would, and is answered: blind testers (2026-12-07) writing
        // plain Spanish under the Spanish notice ("me dan cama y comida pero me dijeron q les de mi pasaporte", "yo
        // quiero regresar haiti cuanto cuesta pasaje") got "Para seguir, elige tu idioma" to every message. The notice
        // was on the screen (R6); the question it asks is the language, and writing in one answers it. Only a message
        // the letters tell is in that language (not a number, an "ok" or an emoji), read as a topic or a question between
        // topics (a greeting or an "ok" is the menu: the notice's line again); a "no", a command and danger are read as
        // before, a message in another language shows the notice in it.
        if (!isNew && !state.Consented && state.NodeId == content.Common.StartNode && !KeptYes(state) && !PersonPending(content, state)
            && message.Kind == UserMessageKind.Text && understood is Understanding.Destination or Understanding.Unsure
            && (understood as Understanding.Destination)?.Node.Id != content.Common.MenuNode
            && state.Shown.Count > 0 && state.Shown[0] == ContentNode.ChoiceKey(state.NodeId, state.Language)
            && content.Understander.IdentifyLanguage(languageWords) == state.Language && !content.Understander.Declines(words)
            && Resolve(content, state.Shown[0]) is { } notice)
        {
            return Picked(turn, understood switch
            {
                Understanding.Destination go => state with { PendingTarget = go.Node.Id == content.Common.MenuNode ? null : go.Node.Id },
                Understanding.Unsure unsure => state with { PendingTarget = content.Common.ClarifyNode, Candidates = [.. unsure.Candidates.Select(c => c.Id)] },
                _ => state,
            }, notice);
        }

        // At the offer of a person, asking for one again is the "yes" (blind testers got the same question back), and a
        // greeting ("hola?", as if someone were already there) asks it again instead of leaving for the main menu.
        if (current is not null && current.Id == content.Common.HandoffConsentNode)
        {
            // R4: only in a message that says no "no" anywhere: "prefiro não falar" ("I'd rather not talk") had been read as
            // asking for a person, and opened a case; "no, quiero hablar con alguien" gets the question again.
            var declined = content.Understander.Declines(words);
            switch (understood)
            {
                case Understanding.Command { Value: GlobalCommand.Human } when !declined:
                case Understanding.Destination { Node: var asked } when !declined && (asked.Id == current.Id || asked.Kind == NodeKind.Handoff):
                    understood = new Understanding.Picked(ContentNode.ChoiceKey(current.Id, "yes")) { Why = "a person asked for again" };
                    break;
                case Understanding.Command { Value: GlobalCommand.Human } or Understanding.Destination { Node.Kind: NodeKind.Handoff }:
                case Understanding.Destination { Why: Understander.OkAndThanksWhy }: // "ok gracias": thanks, or a yes?
                    return turn.Finish(turn.Show(state, current.Id)); // the question again, never a "yes" by guess
                case Understanding.Destination { Node.Id: var greeted, Why: not "keyword" } when greeted == content.Common.MenuNode:
                    return turn.Finish(turn.Show(state, current.Id));
            }
        }

        // Someone arriving ("ya viene", "he is coming") after an emergency answer or a sensitive page: the main menu, as MENU
        // (the discreet exit every such page names) would show it, with nothing of the danger on the screen. The channels
        // were given with the page before; a vetted danger phrase in the message is read as danger (R11).
        if (state.DangerSignalled && state.Consented && message.Kind == UserMessageKind.Text && content.Understander.SomeoneArrives(words))
        {
            turn.DropNotes();
            return Command(turn, state, GlobalCommand.Menu);
        }

        // Safe now, said at the offer that follows an emergency page or just after it ("ya estoy bien, me metí en una tienda
        // con gente", "i'm safe now, they left"): acknowledged, with the channels for if it comes back, and the question
        // on the screen again (the offer, its question alone). A fourth blind tester (2026-12-07) had been asked which
        // danger it was. The model reads "safe" itself as danger, so what else the message says is read without it: a
        // danger there ("…pero me quiero matar", "…but my leg is bleeding") and a vetted danger phrase are read as before
        // (R11); a "yes" still opens the case (R4).
        if (state.Consented && message.Kind == UserMessageKind.Text && current is not null && (RecentCrisis(content, state) ?? CrisisBefore(content, state)) is { } before
            && understood is not (Understanding.Picked or Understanding.Command) && content.Understander.SafeNow(words, state.Language, before.Id))
        {
            turn.DropNotes();
            turn.Note("safe-now", state.Language);
            return turn.Finish(turn.Show(state, current.Id));
        }

        // A few words after an emergency page that the bot would answer with nothing of it ("nadie me puede ayudar",
        // "tenho vergonha", "没用的", "help", "no se" after the page on self-harm or sexual violence): that emergency's own
        // lines again (147 for self-harm), then the offer of a person. Blind testers (2026-12-07) had got topic menus,
        // the command list or "No entendí" there, the crisis lost.
        if (state.Consented && message.Kind == UserMessageKind.Text && RecentCrisis(content, state) is { } lastCrisis && LosesTheCrisis(content, understood, words))
        {
            turn.DropNotes();
            RemindLines(turn, state, lastCrisis);
            return turn.Finish(current is not null && current.Id == content.Common.HandoffConsentNode && CrisisBefore(content, state) is not null
                ? turn.Show(state, current.Id)
                : turn.GoTo(state, content.Common.HandoffNode));
        }

        switch (understood)
        {
            case Understanding.Danger danger:
                // R11: the vetted channels come first, before consent, commands or any question.
                turn.DropNotes();
                return turn.Finish(Danger(turn, state, danger, current));
            case Understanding.Command { Alone: false, Value: GlobalCommand.Delete or GlobalCommand.Stop } destructive:
                // Said inside a sentence ("no quiero borrar nada"): ask, never act.
                return turn.Finish(turn.GoTo(state, destructive.Value == GlobalCommand.Delete ? content.Common.ConfirmDeleteNode : content.Common.ConfirmStopNode));
            case Understanding.Command command:
                return Command(turn, state, command.Value);
            default:
                break;
        }

        if (isNew || (!state.Consented && understood is Understanding.Destination or Understanding.Unsure))
        {
            // The notice comes first (R6); where the message pointed is kept for after it, unless a "yes" to a person
            // waits there: that request stands ("m bezwen yon moun", a question for the person, come after it).
            state = KeptYes(state) || PersonPending(content, state) ? state : understood switch
            {
                // A greeting ("olá, bom dia") does not replace a question kept from before.
                Understanding.Destination { Node.Id: var menu } when menu == content.Common.MenuNode && state.PendingTarget is not null => state,
                Understanding.Destination go => state with { PendingTarget = go.Node.Id },
                Understanding.Unsure unsure => state with { PendingTarget = content.Common.ClarifyNode, Candidates = [.. unsure.Candidates.Select(c => c.Id)] },
                _ => state,
            };
            return turn.Finish(turn.Show(state, content.Common.StartNode));
        }

        // Someone sharing their details ("my passport is …") gets the warning and stays where they were.
        var sharingDetails = understood is Understanding.Unknown or Understanding.Unsure
            || (understood is Understanding.Destination { Node.Id: var to } && to == content.Common.MenuNode);
        if (withheld && current is not null && sharingDetails)
        {
            return turn.Finish(turn.Show(state, current.Id));
        }

        switch (understood)
        {
            case Understanding.Picked picked when Resolve(content, picked.Key) is { } pick:
                return Picked(turn, state, pick);
            case Understanding.Destination { Node.Id: var farewell }
                when farewell == content.Common.FarewellNode && state.DangerSignalled && content.Common.FarewellAfterDangerNode is { } safe && content.Find(safe) is not null:
                // A goodbye after an emergency answer or a sensitive topic is never only "take care": the channels come with it.
                return turn.Finish(turn.GoTo(state, safe));
            case Understanding.Destination go:
                if (CrisisBefore(content, state) is { } crisis && (go.Node.Id == content.Common.FollowUps.GetValueOrDefault("ack") || go.Node.Id == content.Common.DeclinedNode))
                {
                    RemindLines(turn, state, crisis);
                }

                return turn.Finish(turn.GoTo(state, go.Node.Id));
            case Understanding.Unsure unsure:
                return turn.Finish(Clarify(turn, state, current, unsure.Candidates));
            default:
                break;
        }

        // Writing again after STOP ("hola"): greeted and shown the menu, never "I did not understand".
        if (current is null || current.Kind == NodeKind.End || resumed)
        {
            // The topic was closed (or the node no longer exists in this content version): back to the menu.
            return turn.Finish(turn.GoTo(state, content.Common.MenuNode));
        }

        return turn.Finish(NotUnderstood(turn, state, current));
    }

    /// <summary>
    /// The emergency page shown at most <see cref="RecentCrisisMessages"/> messages ago (the offer after it answered, a
    /// "no", then a few words), while the danger it signalled is still on record: the context of what is written next.
    /// </summary>
    private static ContentNode? RecentCrisis(ContentSet content, ConversationState state) =>
        state.DangerSignalled && state.LastEmergency is { } id && state.SinceEmergency <= RecentCrisisMessages ? content.Find(id) : null;

    /// <summary>How many messages after an emergency page it still gives the context (<see cref="RecentCrisis"/>).</summary>
    private const int RecentCrisisMessages = 2;

    /// <summary>
    /// A reading that would drop the crisis: not understood, a question between topics, help or a menu read by the model
    /// ("nadie me puede ayudar" as asking for help, "aidez moi" as the topics), the command list, or a danger the model
    /// guesses in a word or two ("no se", "y?" as a medical emergency). Vetted phrases, sure topics and keywords stand.
    /// </summary>
    private static bool LosesTheCrisis(ContentSet content, Understanding understood, string[] words) => understood switch
    {
        Understanding.Unknown or Understanding.Unsure => true,
        Understanding.Command { Value: GlobalCommand.Help } => true,
        Understanding.Destination { Node: { Kind: NodeKind.Menu } node, Why: Understander.ModelWhy } => content.TopicOf(node) == "general",
        Understanding.Danger { Sure: false, Why: var why } => why.StartsWith(Understander.ModelWhy, StringComparison.Ordinal) && words.Length <= 2,
        _ => false,
    };

    /// <summary>The emergency page the offer of a person on the screen follows (see Turn.GoTo), if it follows one.</summary>
    private static ContentNode? CrisisBefore(ContentSet content, ConversationState state) =>
        state.NodeId == content.Common.HandoffConsentNode && state.History.Count > 0 && content.Find(state.History[^1]) is { Kind: NodeKind.Emergency } page ? page : null;

    /// <summary>
    /// Declining the offer of a person that follows an emergency page, or thanking for it ("no", "mèsi", "gracias"):
    /// the emergency channels again first, with the emergency's own line (the 147 line for self-harm). Blind testers
    /// (2026-12-06) said "no" after "me quiero morir" and got the main menu with no line at all.
    /// </summary>
    private static void RemindLines(Turn turn, ConversationState state, ContentNode emergency)
    {
        turn.Note("handoff-emergency", state.Language);
        if (turn.Content.Common.Texts.ContainsKey(ContentValidator.UnsureTextPrefix + emergency.Id))
        {
            turn.Note(ContentValidator.UnsureTextPrefix + emergency.Id, state.Language);
        }
    }

    /// <summary>
    /// A "yes" to a person given before the notice was answered, kept for after it (the handoff both pending and the
    /// target): not the handoff an offer on the screen is waiting to be answered about.
    /// </summary>
    private static bool KeptYes(ConversationState state) => state.PendingHandoff is { } handoff && handoff == state.PendingTarget;

    /// <summary>
    /// A person asked for under the notice ("Pale ak yon moun" tapped on the danger question), kept for after it: what is
    /// written meanwhile ("m bezwen yon moun", read as a need for help) does not replace it (a blind tester's request was
    /// lost so). After the notice comes the question (R4).
    /// </summary>
    private static bool PersonPending(ContentSet content, ConversationState state) =>
        state.PendingTarget is { } target && (target == content.Common.HandoffConsentNode || content.Find(target) is { Kind: NodeKind.Handoff });

    /// <summary>A button tapped, or an option typed by its number or label: what it leads to.</summary>
    private sealed record Pick(ContentNode Node, Choice? Choice, ContentNode? Destination);

    /// <summary>
    /// A choice key names its node, so an older message's button still does what it said. A clarifying question's
    /// options name their destination (<c>clarify/avr-menu</c>), which must be a place the bot could have offered.
    /// </summary>
    private static Pick? Resolve(ContentSet content, string key)
    {
        var slash = key.LastIndexOf('/');
        if (slash <= 0 || content.Find(key[..slash]) is not { } node)
        {
            return null;
        }

        var id = key[(slash + 1)..];
        if (node.Choices.FirstOrDefault(c => c.Id == id) is { } choice)
        {
            return new Pick(node, choice, null);
        }

        return content.OffersDestinations(node) && content.Find(id) is { } destination && content.IsDestination(destination)
            ? new Pick(node, null, destination)
            : null;
    }

    private static TurnResult Picked(Turn turn, ConversationState state, Pick pick)
    {
        var common = turn.Content.Common;
        if (pick.Destination is { } destination)
        {
            return turn.Finish(turn.GoTo(state with { NodeId = pick.Node.Id }, destination.Id));
        }

        var choice = pick.Choice!;
        if (choice.Id == "yes" && pick.Node.Id == common.ConfirmDeleteNode)
        {
            return Command(turn, state, GlobalCommand.Delete);
        }

        if (choice.Id == "yes" && pick.Node.Id == common.ConfirmStopNode)
        {
            return Command(turn, state, GlobalCommand.Stop);
        }

        // The request taken back, confirmed: the case closes (R4: consent withdrawn), and the person is at the main menu.
        if (choice.Id == "yes" && state.CaseHidden && pick.Node.Id == common.ConfirmWithdrawNode)
        {
            turn.Case(new CaseAction.Leave(CaseAction.Withdrawn));
            turn.Note("case-withdrawn", state.Language);
            return turn.Finish(turn.GoTo(state with { CaseHidden = false, CaseClaimed = false, CaseAcknowledgedAt = null }, common.MenuNode));
        }

        if (choice.Id == "no" && pick.Node.Id == common.HandoffConsentNode && CrisisBefore(turn.Content, state) is { } crisis)
        {
            RemindLines(turn, state, crisis);
        }

        // Not deleting, not stopping, not taking the request back, with a case open under the question (asked from
        // inside it): back into the case, as HUMANO would, not to the page before it (the offer of a person, asked again).
        if (choice.Id == "no" && state.CaseHidden && (pick.Node.Id == common.ConfirmDeleteNode || pick.Node.Id == common.ConfirmStopNode || pick.Node.Id == common.ConfirmWithdrawNode))
        {
            return turn.Finish(turn.GoTo(state with { NodeId = pick.Node.Id }, common.HandoffNode, consented: true));
        }

        return turn.Finish(Choose(turn, state, pick.Node, choice));
    }

    /// <summary>
    /// Danger: a sure category gets its own first lines at once, then the offer of a person. An unsure guess still
    /// shows the emergency channels first, then asks which situation it is (R11).
    /// </summary>
    private static ConversationState Danger(Turn turn, ConversationState state, Understanding.Danger danger, ContentNode? current)
    {
        if (danger.Sure)
        {
            return turn.GoTo(state, danger.Node.Id);
        }

        var content = turn.Content;
        turn.Event(EventKind.ClarificationAsked, state.Language, current?.Id ?? state.NodeId, current is null ? null : content.TopicOf(current));
        turn.Event(EventKind.EmergencyShown, state.Language, content.Common.DangerCheckNode, "emergency");
        return turn.Offer(state, content.Common.DangerCheckNode, [danger.Node, .. danger.Alternatives]);
    }

    /// <summary>"¿Buscas información sobre…?": the likely destinations as buttons, never "not understood" alone.</summary>
    private static ConversationState Clarify(Turn turn, ConversationState state, ContentNode? current, IReadOnlyList<ContentNode> candidates)
    {
        var content = turn.Content;
        if (candidates.Count > 0 && candidates.All(c => c.Id == content.Common.MenuNode))
        {
            // "hi": the only likely destination is the menu itself, which a question would offer as its only topic.
            return turn.GoTo(state, content.Common.MenuNode);
        }

        // Recorded anonymously (node and language only) so the unmet-need chart shows where people are not understood.
        turn.Event(EventKind.ClarificationAsked, state.Language, current?.Id ?? state.NodeId, current is null ? null : content.TopicOf(current));
        return turn.Offer(state, content.Common.ClarifyNode, candidates);
    }

    private static ConversationState Fresh(ContentSet content, string language, DateTimeOffset now, Turn turn)
    {
        var state = ConversationState.Start(content.Supports(language) ? language : content.Common.SourceLanguage, content.Common.StartNode, now);
        turn.Event(EventKind.ConversationStarted, state.Language);
        return state;
    }

    private static TurnResult Command(Turn turn, ConversationState state, GlobalCommand command)
    {
        var content = turn.Content;
        switch (command)
        {
            case GlobalCommand.Delete:
                // R8: everything about the user is erased; the reply explains how to clear the phone too.
                turn.Event(EventKind.DeleteRequested, state.Language);
                turn.Reply(RenderedReply.Plain(ContentRenderer.Common(content, "deleted", state.Language)));
                return turn.Erase();
            case GlobalCommand.Stop:
                // R7: one confirmation, then silence until the user writes again; a case left open under MENU closes.
                turn.DropNotes();
                if (state.CaseHidden)
                {
                    turn.Case(new CaseAction.Leave(CaseAction.Stopped));
                    state = state with { CaseHidden = false, CaseClaimed = false, CaseAcknowledgedAt = null };
                }

                turn.Event(EventKind.Stopped, state.Language, state.NodeId);
                turn.Reply(RenderedReply.Plain(ContentRenderer.Common(content, "stopped", state.Language)));
                return turn.Finish(state with { Stopped = true, Misses = 0 });
            case GlobalCommand.Menu:
                return turn.Finish(turn.GoTo(state, content.Common.MenuNode));
            case GlobalCommand.Back:
                return turn.Finish(Back(turn, state));
            case GlobalCommand.Language:
                return turn.Finish(turn.GoTo(state, content.Common.LanguageMenuNode));
            case GlobalCommand.Human:
                // Back into a case left open under MENU: the person said yes already (R4), so no question again.
                return turn.Finish(turn.GoTo(state, content.Common.HandoffNode, consented: state.CaseHidden));
            case GlobalCommand.Help:
            default:
                turn.Note("help", state.Language);
                return turn.Finish(turn.Show(state, state.NodeId));
        }
    }

    private static ConversationState Choose(Turn turn, ConversationState state, ContentNode node, Choice choice)
    {
        var content = turn.Content;
        if (node.Kind == NodeKind.Question)
        {
            state = state with { Answers = state.Answers.SetItem(node.Id, choice.Id) };
            if (content.Find(choice.Target) is not { Kind: NodeKind.Question })
            {
                turn.Event(EventKind.PrescreeningCompleted, state.Language, node.Id, content.TopicOf(node));
            }
        }

        if (choice.Language is { } language && content.Supports(language))
        {
            var changed = language != state.Language;
            state = state with { Language = language };
            turn.Event(EventKind.LanguageChosen, language, node.Id);
            if (node.Id == content.Common.StartNode && !state.Consented)
            {
                state = state with { Consented = true };
                turn.Event(EventKind.ConsentGiven, language);
                if (state.PendingTarget is { } pending)
                {
                    // The notice is confirmed: the user lands where their first message pointed, or in the case they
                    // already said yes to.
                    var consentedHandoff = state.PendingHandoff == pending;
                    state = state with { PendingTarget = null, PendingHandoff = null, NodeId = node.Id };
                    return pending == content.Common.ClarifyNode
                        ? Clarify(turn, state with { Candidates = [] }, null, [.. state.Candidates.Select(content.Find).OfType<ContentNode>()])
                        : turn.GoTo(state, pending, consented: consentedHandoff);
                }
            }
            else if (changed)
            {
                turn.Note("language-changed", language);
            }
        }

        if (node.Id == content.Common.HandoffConsentNode)
        {
            // R4: the "yes" opens the case the user asked for; a "no" opens nothing.
            var pending = state.PendingHandoff;
            state = state with { PendingHandoff = null, NodeId = node.Id };
            if (choice.Id == "yes")
            {
                return turn.GoTo(state, pending ?? choice.Target, consented: true);
            }

            return choice.Target == Choice.BackTarget ? Back(turn, state) : turn.GoTo(state, choice.Target);
        }

        if (node.Id == content.Common.CaseClosedNode && int.TryParse(choice.Id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var score) && score is >= 1 and <= 5)
        {
            turn.Event(EventKind.SatisfactionGiven, state.Language, node.Id, state.Topic, score);
        }

        // The choice belongs to the node the user saw, even if they tapped an older message's button.
        state = state with { NodeId = node.Id };
        return choice.Target == Choice.BackTarget ? Back(turn, state) : turn.GoTo(state, choice.Target);
    }

    /// <summary>
    /// A person owns the conversation: the bot is silent and passes the user's words to the case. Danger phrases still
    /// get the emergency answer, and MENU, BORRAR and STOP still work; tapped buttons of the case's own messages too.
    /// </summary>
    private static TurnResult HumanTurn(Turn turn, ConversationState state, UserMessage message, string text, string[] words)
    {
        var content = turn.Content;
        turn.DropNotes();
        if (message.Kind == UserMessageKind.Unsupported)
        {
            turn.Event(EventKind.UnsupportedMessage, state.Language, state.NodeId);
            turn.Case(new CaseAction.Forward("[audio, foto, ubicación o archivo: no abierto / media: not opened]"));
            turn.Reply(RenderedReply.Plain(ContentRenderer.Common(content, "case-media", state.Language)));
            return turn.Finish(state);
        }

        // A number typed for one of the case's own buttons on the screen ("1. Volver al menú") is that button.
        if (message.Kind == UserMessageKind.Text && int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && number >= 1 && number <= state.Shown.Count && Resolve(content, state.Shown[number - 1]) is { Node: var shownNode } && content.IsCaseNode(shownNode))
        {
            message = UserMessage.FromChoice(state.Shown[number - 1]);
        }

        // Someone arriving ("ya viene", "he is coming"), written in a case that follows a danger or a sensitive page: as
        // MENU, the screen clears and the case stays open; the caseworker reads the words and that the screen was
        // cleared, and their answer brings the conversation back. Outside a case the same words get the same cover; in
        // a case they had gone to the caseworker with an acknowledgement naming the emergency lines on the screen the
        // person arriving was about to see. A vetted danger phrase beside them is danger (SomeoneArrives), read below.
        if (state.DangerSignalled && message.Kind == UserMessageKind.Text && content.Understander.SomeoneArrives(words))
        {
            turn.Case(new CaseAction.Forward(Redact(text)));
            turn.Case(new CaseAction.Hide());
            return turn.Finish(turn.GoTo(state with { InCase = false, CaseHidden = true }, content.Common.MenuNode));
        }

        // A vetted danger phrase or a danger the classifier is very sure of gets the emergency page in a case. Once a
        // person has taken the case nothing else interrupts it (the person reads everything anyway); while nobody has,
        // any other danger the bot would see outside a case gets the acknowledgement with the emergency channels at once,
        // whenever the last one was, and the case raised (found by a blind tester: "he is here now" got nothing on a
        // Saturday; then others: "todavía estoy esperando?", "y la señora cuando?", "why nobody answer", which the model
        // reads as danger in a few words, got the whole emergency page). Commands count only typed alone.
        var understood = message.Kind == UserMessageKind.Text ? content.Understander.UnderstandText(text, null, [], state.Language, words) : null;
        var veryLikely = understood is Understanding.Danger { Sure: true } sure && sure.Confidence >= content.Understander.Thresholds.DangerInCase;
        // The request taken back in words while nobody has taken the case ("mejor no, olvídalo", "算了不用了" had got
        // "Recibido", and a caseworker would have answered someone who no longer wanted it, perhaps with someone else at
        // the phone now): the question first, which gives the emergency channels too; the case stays open under it, and
        // the caseworker reads the words. Before a likely danger: the model reads "deixa pra lá", "我改主意了" as one, and
        // the question's own footer gives the channels. Once a person has taken the case, they read it and answer.
        if (!state.CaseClaimed && !veryLikely && message.Kind == UserMessageKind.Text && content.Common.ConfirmWithdrawNode is { } withdraw && content.Understander.Withdraws(text))
        {
            turn.Case(new CaseAction.Forward(Redact(text)));
            return turn.Finish(turn.GoTo(state with { InCase = false, CaseHidden = true }, withdraw));
        }

        if (understood is Understanding.Danger likely && !veryLikely && !state.CaseClaimed)
        {
            state = state with { DangerSignalled = true, CaseAcknowledgedAt = turn.Now };
            turn.Case(new CaseAction.Escalate(Likely: true));
            turn.Case(new CaseAction.Forward(Redact(text)));
            turn.Reply(Acknowledgement(content, turn, state, likely.Node));
            turn.Event(EventKind.EmergencyShown, state.Language, likely.Node.Id, content.TopicOf(likely.Node));
            return turn.Finish(state);
        }

        if (understood is Understanding.Danger danger && veryLikely)
        {
            // In the language it was written in when that is not the conversation's (the caseworker reads it as written).
            var language = danger.WrittenIn is { } written && content.Supports(written) ? written : state.Language;
            turn.Case(new CaseAction.Escalate());
            turn.Case(new CaseAction.Forward(Redact(text)));
            turn.Reply(ContentRenderer.Render(content, danger.Node, language, choices: [])); // no menu to wander off into: the case goes on
            turn.Event(EventKind.EmergencyShown, language, danger.Node.Id, content.TopicOf(danger.Node));
            return turn.Finish(state with { DangerSignalled = true });
        }

        if (understood is Understanding.Command { Alone: true } typed)
        {
            switch (typed.Value)
            {
                case GlobalCommand.Delete:
                case GlobalCommand.Stop:
                    if (typed.Value == GlobalCommand.Stop)
                    {
                        turn.Case(new CaseAction.Leave(CaseAction.Stopped));
                    }

                    return Command(turn, state with { InCase = false }, typed.Value);
                case GlobalCommand.Menu:
                    // MENU is what every sensitive reply tells people to type when someone checks their phone: it clears
                    // the screen (the main menu, nothing about the case) and never cancels the request. The case stays
                    // open, the caseworker is told, and their answer brings the conversation back to them.
                    turn.Case(new CaseAction.Hide());
                    return turn.Finish(turn.GoTo(state with { InCase = false, CaseHidden = true }, content.Common.MenuNode));
                case GlobalCommand.Help:
                case GlobalCommand.Human:
                    // Nobody has taken the case yet: not "a person reads what you write", but when someone will.
                    turn.Reply(state.CaseClaimed
                        ? RenderedReply.Plain(ContentRenderer.Common(content, "case-help", state.Language))
                        : Acknowledgement(content, turn, state));
                    return turn.Finish(state.CaseClaimed ? state : state with { CaseAcknowledgedAt = turn.Now });
                default:
                    break; // BACK, LANGUAGE: words for the caseworker
            }
        }

        // Deleting or stopping asked for in a sentence ("pls delete all my data", "ok delete everything"): the question
        // outside a case asks first, and so here; the case stays open under it, as under MENU, and the caseworker still
        // reads the words (found by a blind tester: these had got nothing at all while the case waited).
        if (understood is Understanding.Command { Alone: false, Value: GlobalCommand.Delete or GlobalCommand.Stop } asked)
        {
            turn.Case(new CaseAction.Forward(Redact(text)));
            turn.Case(new CaseAction.Hide());
            var confirm = asked.Value == GlobalCommand.Delete ? content.Common.ConfirmDeleteNode : content.Common.ConfirmStopNode;
            return turn.Finish(turn.GoTo(state with { InCase = false, CaseHidden = true }, confirm));
        }

        if (message.Kind == UserMessageKind.Choice && Resolve(content, message.ChoiceKey ?? string.Empty) is { Choice: { } choice } pick && content.IsCaseNode(pick.Node))
        {
            var node = pick.Node;
            var target = content.Find(choice.Target);
            if (target is not null && content.IsCaseNode(target))
            {
                return turn.Finish(turn.GoTo(state with { NodeId = node.Id }, target.Id, consented: true));
            }

            // The case's own "back to the menu" button, as MENU: the screen clears, the case stays open.
            turn.Case(new CaseAction.Hide());
            return turn.Finish(Choose(turn, state with { InCase = false, CaseHidden = true }, node, choice));
        }

        if (message.Kind == UserMessageKind.Choice)
        {
            turn.Reply(RenderedReply.Plain(ContentRenderer.Common(content, "case-help", state.Language)));
            return turn.Finish(state);
        }

        turn.Case(new CaseAction.Forward(Redact(text)));

        // Identifying data is withheld from the transcript, and the user is told not to send it, as outside a case.
        if (PersonalData.IsIn(text))
        {
            turn.Reply(RenderedReply.Plain(ContentRenderer.Common(content, "personal-data", state.Language)));
        }

        // Until someone takes the case, writing into silence is answered: the message is kept, when someone will answer,
        // and the emergency channels, at most once every CaseAcknowledgementInterval; in between, every message gets the
        // one line saying it is kept (blind testers wrote "alo? gen moun?", "nobody dey answer me" and got nothing at all,
        // as if the chat were dead). A burst gets a line a message: answering only its first was built and not kept, a
        // re-test found "he is near me, I can't call" written right after "hello?" left without a word.
        if (!state.CaseClaimed && (state.CaseAcknowledgedAt is not { } acknowledged || turn.Now - acknowledged >= CaseAcknowledgementInterval))
        {
            turn.Reply(Acknowledgement(content, turn, state));
            state = state with { CaseAcknowledgedAt = turn.Now };
        }
        else if (!state.CaseClaimed)
        {
            turn.Reply(RenderedReply.Plain(ContentRenderer.Common(content, "case-received", state.Language)));
        }

        // A question the bot answers surely, asked while nobody has taken the case ("hay comida?", "how much does the
        // return cost"): its page too, after the line saying the message is kept, with no options to wander off into (the
        // case goes on; MENU leaves it as always). A blind tester's question about food waited until Monday for a person
        // with only "Recibido" on the screen.
        if (!state.CaseClaimed && MeanwhilePage(content, understood) is { } page)
        {
            var rendered = ContentRenderer.Render(content, page, state.Language, choices: []);
            turn.Reply(rendered with { Text = content.Common.Text("case-meanwhile", state.Language) + "\n\n" + rendered.Text });
            turn.Event(EventKind.NodeReached, state.Language, page.Id, content.TopicOf(page));
        }

        return turn.Finish(state);
    }

    /// <summary>
    /// The page a message in a waiting case asks about, when the bot understood it surely: an information page of a topic
    /// (not a menu, whose options would be missing, a greeting, thanks, a goodbye, this service's own pages, a follow-up's
    /// answer, a page of the case, or a page whose text tells to pick one of its options: "elige «Hablar con una persona»").
    /// </summary>
    private static ContentNode? MeanwhilePage(ContentSet content, Understanding? understood)
    {
        if (understood is not Understanding.Destination { Node: { Kind: NodeKind.Message } page } || !content.Common.Texts.ContainsKey("case-meanwhile")
            || content.TopicOf(page) == "general" || content.IsFollowUpAnswer(page) || content.IsCaseNode(page) || page.Id == content.Common.OutOfScopeNode)
        {
            return null;
        }

        var source = content.Common.SourceLanguage;
        var text = page.Text[source];
        return page.Choices.Any(c => c.Label.Has(source) && text.Contains(c.Label[source], StringComparison.Ordinal)) ? null : page;
    }

    /// <summary>In a case nobody has taken yet: the message is kept, when someone will answer, the emergency channels.</summary>
    /// <param name="danger">A likely danger read in the message: its own line comes too ("pa que seguir": the MIDES line).</param>
    private static RenderedReply Acknowledgement(ContentSet content, Turn turn, ConversationState state, ContentNode? danger = null)
    {
        var line = danger is not null && content.Common.Texts.ContainsKey(ContentValidator.UnsureTextPrefix + danger.Id)
            ? content.Common.Text(ContentValidator.UnsureTextPrefix + danger.Id, state.Language) + "\n\n"
            : string.Empty;
        return ContentRenderer.Text(content, content.Common.Text("case-received", state.Language) + "\n\n" + line + turn.Availability(state), state.Language, state.DangerSignalled);
    }

    /// <summary>How often, at most, a message in a case nobody has taken yet is acknowledged.</summary>
    public static readonly TimeSpan CaseAcknowledgementInterval = TimeSpan.FromMinutes(30);

    /// <summary>The case transcript holds a token where identifying data was (R2), never the value.</summary>
    public static string Redact(string text) => PersonalData.Redact(text);

    // ---------------------------------------------------------------- what happens to a case outside the user's turns

    /// <summary>A caseworker took the case: the user is told a person is reading.</summary>
    public static TurnResult CaseClaimed(ContentSet content, ConversationState state)
    {
        content = (content ?? throw new ArgumentNullException(nameof(content))).ForChannel(state?.Channel);
        ArgumentNullException.ThrowIfNull(state);
        state = CaseworkerAnswered(state);
        return new TurnResult(state, [RenderedReply.Plain(ContentRenderer.Common(content, "case-claimed", state.Language))], []);
    }

    /// <summary>
    /// A caseworker took the case or answered in it: the user's messages go to them again (after MENU too), and are no
    /// longer acknowledged by the bot.
    /// </summary>
    public static ConversationState CaseworkerAnswered(ConversationState state) =>
        (state ?? throw new ArgumentNullException(nameof(state))) with { InCase = true, CaseHidden = false, CaseClaimed = true };

    /// <summary>What the user reads before a caseworker's words: it counts towards the channel's longest message.</summary>
    public const string CaseworkerPrefix = "👤 ";

    /// <summary>A caseworker's words, as the user reads them.</summary>
    public static RenderedReply CaseworkerSaid(string text) => RenderedReply.Plain(CaseworkerPrefix + text);

    /// <summary>
    /// The caseworker who held the case can no longer answer (their account was disabled) and it is back in the queue:
    /// the user is told once, in a few neutral words, that the conversation is still open and someone else will answer
    /// here; their next message is acknowledged as in a case nobody has taken (kept, when someone will answer, the
    /// emergency channels) instead of going into the silence kept for a case someone holds.
    /// </summary>
    public static TurnResult CaseReleased(ContentSet content, ConversationState state)
    {
        content = (content ?? throw new ArgumentNullException(nameof(content))).ForChannel(state?.Channel);
        ArgumentNullException.ThrowIfNull(state);
        state = state with { CaseClaimed = false, CaseAcknowledgedAt = null };
        return new TurnResult(state, [RenderedReply.Plain(ContentRenderer.Common(content, "case-released", state.Language))], []);
    }

    /// <summary>Nobody took the case in time: the user may keep waiting or go back to the menu, and sees the emergency channels.</summary>
    public static TurnResult CaseTimedOut(ContentSet content, ConversationState state, DateTimeOffset now)
    {
        content = (content ?? throw new ArgumentNullException(nameof(content))).ForChannel(state?.Channel);
        ArgumentNullException.ThrowIfNull(state);
        var turn = new Turn(content, now);
        turn.Event(EventKind.HandoffTimedOut, state.Language, content.Common.HandoffTimeoutNode, state.Topic);
        return turn.Finish(turn.Show(state, content.Common.HandoffTimeoutNode));
    }

    /// <summary>
    /// The turn would open a case, but this connection opened too many (a flood from the open web chat): no case, the
    /// person is told why and how to try again, with the emergency numbers; the rest of the turn stands.
    /// </summary>
    public static TurnResult CaseRefused(ContentSet content, TurnResult result)
    {
        content = (content ?? throw new ArgumentNullException(nameof(content))).ForChannel(result?.State?.Channel);
        ArgumentNullException.ThrowIfNull(result);
        // The main menu, not the page saying a person will answer: a message after the refusal had shown it again
        // ("Listo: una persona del equipo leerá esta conversación"), a promise the refusal had just taken back.
        var state = result.State! with { InCase = false, PendingHandoff = null, NodeId = content.Common.MenuNode, Shown = [] };
        return new TurnResult(
            state,
            [RenderedReply.Plain(ContentRenderer.Common(content, "handoff-busy", state.Language))],
            [.. result.Events.Where(e => e.Kind != EventKind.HandoffRequested)],
            [.. result.CaseActions.Where(a => a is not CaseAction.Open)]);
    }

    /// <summary>
    /// A message whose turn failed on every attempt (a bug, never the user's fault): a short apology in the user's
    /// language with the way on and the emergency numbers; the state stays exactly as it was.
    /// </summary>
    public static TurnResult Failed(ContentSet content, ConversationState? state)
    {
        content = (content ?? throw new ArgumentNullException(nameof(content))).ForChannel(state?.Channel);
        var language = state?.Language ?? content.Common.SourceLanguage;
        return new TurnResult(state, [RenderedReply.Plain(ContentRenderer.Common(content, "turn-failed", language))], []);
    }

    /// <summary>Nobody wrote in the case for the expiry time: it closes, and the bot is back for the next message (no reply now).</summary>
    public static TurnResult CaseExpired(ConversationState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new TurnResult(state with { InCase = false, PendingHandoff = null, CaseHidden = false, CaseClaimed = false, CaseAcknowledgedAt = null }, [], []);
    }

    /// <summary>The caseworker closed the case: goodbye, one optional anonymous question, and the bot is back.</summary>
    public static TurnResult CaseClosed(ContentSet content, ConversationState state, DateTimeOffset now)
    {
        content = (content ?? throw new ArgumentNullException(nameof(content))).ForChannel(state?.Channel);
        ArgumentNullException.ThrowIfNull(state);
        var turn = new Turn(content, now);
        return turn.Finish(turn.Show(state with { InCase = false, PendingHandoff = null, CaseHidden = false, CaseClaimed = false, CaseAcknowledgedAt = null }, content.Common.CaseClosedNode));
    }

    private static ConversationState Back(Turn turn, ConversationState state)
    {
        var history = state.History;
        while (!history.IsEmpty)
        {
            var previous = history[^1];
            history = history.RemoveAt(history.Count - 1);
            if (previous != state.NodeId && previous != turn.Content.Common.StartNode
                && turn.Content.Find(previous) is { Kind: not NodeKind.Handoff and not NodeKind.End and not NodeKind.Emergency } node && !turn.Content.OffersDestinations(node))
            {
                return turn.GoTo(state with { History = history }, previous, remember: false);
            }
        }

        return turn.GoTo(state with { History = history }, turn.Content.Common.MenuNode, remember: false);
    }

    private static ConversationState NotUnderstood(Turn turn, ConversationState state, ContentNode current)
    {
        turn.Event(EventKind.NotUnderstood, state.Language, current.Id, turn.Content.TopicOf(current));
        if (state.CaseHidden)
        {
            // After MENU in a case (a blind tester's "ainda estou esperando a pessoa?" got "I did not understand"): the
            // case is still open, and HUMANO goes back to it.
            turn.Note("not-understood", state.Language);
            turn.Note("case-still-open", state.Language);
            return turn.Show(state, current.Id);
        }

        if (state.Misses + 1 >= 2 && state.Consented)
        {
            return turn.GoTo(state, turn.Content.Common.OfferHumanNode);
        }

        turn.Note("not-understood", state.Language);
        return turn.Show(state, current.Id) with { Misses = state.Misses + 1 };
    }


    /// <summary>Collects one turn's replies and events.</summary>
    private sealed class Turn(ContentSet content, DateTimeOffset now, DialogOptions? options = null)
    {
        private readonly List<RenderedReply> _replies = [];
        private readonly List<DialogEvent> _events = [];
        private readonly List<CaseAction> _actions = [];
        private readonly List<(string Id, string Language)> _notes = [];
        private readonly DialogOptions options = options ?? new DialogOptions();

        public ContentSet Content { get; } = content;

        public DateTimeOffset Now { get; } = now;

        public void Event(EventKind kind, string language, string? nodeId = null, string? topic = null, int? score = null) =>
            _events.Add(new DialogEvent(kind, language, nodeId, topic, score));

        public void Case(CaseAction action) => _actions.Add(action);

        /// <summary>A short common text that goes on top of the next message (one message per turn where possible).</summary>
        public void Note(string id, string language) => _notes.Add((id, language));

        public void DropNotes() => _notes.Clear();

        public void Reply(RenderedReply reply) => _replies.Add(reply);

        /// <summary>The turn's result; the last list shown is remembered so a typed number picks from it.</summary>
        public TurnResult Finish(ConversationState state)
        {
            var listed = _replies.LastOrDefault(r => r.Choices.Count > 0);
            return new(listed is null ? state : state with { Shown = [.. listed.Choices.Select(c => c.Key)] }, OneDiscreetExit(), _events, _actions);
        }

        /// <summary>
        /// The discreet-exit block (R9) once a turn, at the end of its last message: a sensitive page followed by the
        /// offer of a person had it twice in a row (found in new users' tries), and the last message is the one a
        /// lock screen previews.
        /// </summary>
        private List<RenderedReply> OneDiscreetExit()
        {
            if (_replies.Count < 2)
            {
                return _replies;
            }

            var blocks = Content.Common.Languages.Select(l => "\n\n" + Content.Common.Text("discreet-exit", l.Code)).ToList();
            var last = blocks.FirstOrDefault(b => _replies[^1].Text.EndsWith(b, StringComparison.Ordinal));
            return last is null
                ? _replies
                : [.. _replies.Take(_replies.Count - 1).Select(r => blocks.FirstOrDefault(b => r.Text.EndsWith(b, StringComparison.Ordinal)) is { } block ? r with { Text = r.Text[..^block.Length] } : r), _replies[^1]];
        }

        public TurnResult Erase() => new(null, _replies, _events, _actions);

        /// <summary>Shows a node again without moving (help, not understood, unsupported message).</summary>
        public ConversationState Show(ConversationState state, string nodeId)
        {
            var node = Content.Find(nodeId) ?? Content.Find(Content.Common.MenuNode)!;
            if (!state.Consented && !AllowedBeforeConsent(node))
            {
                node = Content.Find(Content.Common.StartNode)!;
            }

            if (Content.OffersDestinations(node))
            {
                return Offer(state, node.Id, [.. state.Candidates.Select(Content.Find).OfType<ContentNode>()], again: true);
            }

            // The notice just shown in this language, and the person wrote again instead of choosing (found in new users'
            // tries: every question got the eight lines again): one line on how to go on, the emergency numbers, the
            // languages. Shown in another language, it is shown whole (R6).
            if (node.Id == Content.Common.StartNode && state.NodeId == node.Id && state.Shown.Count > 0
                && state.Shown[0] == ContentNode.ChoiceKey(node.Id, state.Language))
            {
                var line = Content.Common.Text("notice-again", state.Language);
                line = KeptYes(state) ? Content.Common.Text(NoticePerson, state.Language) + "\n\n" + line : line;
                var again = ContentRenderer.Text(Content, line, state.Language, sensitive: false);
                _replies.Add(new RenderedReply(again.Text, ContentRenderer.Choices(node, state.Language), Content.Common.Text("choices-prompt", state.Language), Content.Common.Text("choices-button", state.Language)));
                return state;
            }

            _replies.Add(ContentRenderer.Render(Content, node, state.Language, TakeNotes(state.Language), sensitive: DiscreetCase(state, node), body: OfferAgain(state, node)));
            return state with { NodeId = node.Id };
        }

        /// <summary>
        /// The offer of a person asked again while it is on the screen (a few words after an emergency page, the same page
        /// again, "ok gracias" to it): its question alone (common text <c>offer-again</c>), not the lines on who answers
        /// and what the person will see, given whole in the reply before (R4). Blind testers (2026-12-07) had got those
        /// four lines in every reply of a danger conversation, over a thousand characters each time.
        /// </summary>
        private string? OfferAgain(ConversationState before, ContentNode node) =>
            node.Id == Content.Common.HandoffConsentNode && before.NodeId == node.Id ? Content.Common.Text("offer-again", before.Language) : null;

        /// <summary>
        /// Shows a question whose options are worked out for this message: the likely destinations first (by their
        /// titles), then the node's own options. One numbered list, remembered for typed numbers.
        /// </summary>
        public ConversationState Offer(ConversationState state, string nodeId, IReadOnlyList<ContentNode> destinations, bool again = false)
        {
            var node = Content.Find(nodeId)!;
            var language = state.Language;
            var offered = destinations.Where(d => d.Id != node.Id).DistinctBy(d => d.Id).ToList();
            var own = ContentRenderer.Choices(node, language)
                .Where(c => !offered.Any(o => node.Choices.Any(n => ContentNode.ChoiceKey(node.Id, n.Id) == c.Key && n.Target == o.Id)));
            List<RenderedChoice> choices =
            [
                .. offered.Select(d => new RenderedChoice(ContentNode.ChoiceKey(node.Id, d.Id), Content.TitleOf(d, language))),
                .. own,
            ];
            if (!again && state.NodeId != node.Id && state.NodeId != Content.Common.StartNode && Content.Find(state.NodeId) is { } from && !Content.OffersDestinations(from))
            {
                var history = state.History.Add(state.NodeId);
                state = state with { History = history.Count > ConversationState.MaxHistory ? history.RemoveAt(0) : history };
            }

            state = again ? state : Arrive(state, node);
            _replies.Add(ContentRenderer.Render(Content, node, language, TakeNotes(language), sensitive: DiscreetCase(state, node), choices: [.. choices.Take(ContentValidator.MaxChoices)], unsureLines: UnsureLines(node, offered, language)));
            return state with { NodeId = node.Id, Candidates = [.. offered.Select(o => o.Id)] };
        }

        /// <summary>
        /// The danger question's lines for the emergencies it guesses (common texts <c>unsure-&lt;node&gt;</c>): a guessed
        /// self-harm adds the MIDES line, a guessed sexual assault the 72 hours, beside the channels every guess gets.
        /// </summary>
        private string? UnsureLines(ContentNode node, List<ContentNode> offered, string language)
        {
            if (node.Id != Content.Common.DangerCheckNode)
            {
                return null;
            }

            var lines = offered
                .Select(o => Content.Common.Text(ContentValidator.UnsureTextPrefix + o.Id, language))
                .Where(t => t.Length > 0)
                .ToList();
            return lines.Count == 0 ? null : "\n" + string.Join("\n", lines);
        }

        /// <summary>Moves to a node (following its 'next' chain), remembering the way back.</summary>
        /// <param name="consented">The user said yes to a person (R4): a handoff node opens the case instead of asking.</param>
        public ConversationState GoTo(ConversationState state, string targetId, bool remember = true, bool consented = false)
        {
            var target = Content.Find(targetId) ?? Content.Find(Content.Common.MenuNode)!;
            var before = state;
            for (var hops = 0; hops < 8; hops++)
            {
                if (!state.Consented && !AllowedBeforeConsent(target))
                {
                    // R6: no topic content before the notice is confirmed; the user lands there right after it. A "yes" to
                    // a person (R4: someone whose first message was danger is offered one before any notice) is kept with
                    // it, so the case opens once the notice is confirmed instead of asking again.
                    // A request already kept stands whatever comes next ("quiero hablar con alguien" again, a topic).
                    if (consented && target.Kind == NodeKind.Handoff)
                    {
                        state = state with { PendingTarget = target.Id, PendingHandoff = target.Id };
                    }
                    else if (!KeptYes(state) && !PersonPending(Content, state))
                    {
                        state = state with { PendingTarget = target.Id == Content.Common.MenuNode ? null : target.Id, PendingHandoff = null };
                    }

                    // The notice just shown in this language: its one line again, not the eight (see Show).
                    if (state.NodeId == Content.Common.StartNode && state.Shown.Count > 0 && state.Shown[0] == ContentNode.ChoiceKey(state.NodeId, state.Language))
                    {
                        return Show(state, Content.Common.StartNode);
                    }

                    if (KeptYes(state))
                    {
                        Note(NoticePerson, state.Language);
                    }

                    target = Content.Find(Content.Common.StartNode)!;
                }

                if (Content.OffersDestinations(target))
                {
                    return Offer(state, target.Id, [.. state.Candidates.Select(Content.Find).OfType<ContentNode>()]);
                }

                if (target.Kind == NodeKind.Handoff && !consented && !state.InCase)
                {
                    // R4: ask first; the handoff the user picked waits for the answer.
                    state = state with { PendingHandoff = target.Id };
                    target = Content.Find(Content.Common.HandoffConsentNode)!;
                }

                if (remember && state.NodeId != target.Id && state.NodeId != Content.Common.StartNode && Content.Find(state.NodeId) is not null)
                {
                    var history = state.History.Add(state.NodeId);
                    state = state with { History = history.Count > ConversationState.MaxHistory ? history.RemoveAt(0) : history };
                }

                state = Arrive(state, target);
                var opened = target.Kind == NodeKind.Handoff && !state.InCase;
                if (opened)
                {
                    state = OpenCase(state, target);
                }

                if (target.Kind == NodeKind.Emergency && !state.InCase)
                {
                    // Numbers first (R11), then the offer of a person: a "yes" opens a high-priority case. One numbered
                    // list per turn: the offer carries the emergency answer's own options after "yes" and "no", so a
                    // typed "1" can only mean the "yes" of the question on the screen (R4).
                    _replies.Add(ContentRenderer.Render(Content, target, state.Language, TakeNotes(state.Language), sensitive: true, choices: []));
                    var consent = Content.Find(Content.Common.HandoffConsentNode)!;
                    // The emergency page goes into the history, so the case a "yes" opens lists it among the pages the
                    // person opened (it had been missing from every such case: the caseworker saw "emergency" and no page).
                    // Going back skips it, as it skips the question it came with.
                    var seen = state.History.Add(target.Id);
                    state = state with { PendingHandoff = Content.Common.HandoffNode, NodeId = consent.Id, History = seen.Count > ConversationState.MaxHistory ? seen.RemoveAt(0) : seen };
                    var extra = ContentRenderer.Choices(target, state.Language).Where(c => !ContentRenderer.Choices(consent, state.Language).Any(o => o.Label == c.Label));
                    _replies.Add(ContentRenderer.Render(Content, consent, state.Language, sensitive: true, choices: [.. ContentRenderer.Choices(consent, state.Language), .. extra], body: OfferAgain(before, consent)));
                    break;
                }

                _replies.Add(ContentRenderer.Render(Content, target, state.Language, TakeNotes(state.Language), opened ? Availability(state) : null, DiscreetCase(state, target), body: OfferAgain(before, target)));

                if (target.Next is null || Content.Find(target.Next) is not { } next)
                {
                    break;
                }

                target = next;
                remember = true;
            }

            return state;
        }

        /// <summary>After a danger cue, the way to a person keeps the discreet-exit block too (R9).</summary>
        private bool DiscreetCase(ConversationState state, ContentNode node) =>
            state.DangerSignalled && (Content.IsCaseNode(node) || node.Id == Content.Common.HandoffConsentNode || Content.IsFollowUpAnswer(node));

        private ConversationState OpenCase(ConversationState state, ContentNode handoff)
        {
            var previous = state.History.Count > 0 ? Content.Find(state.History[^1]) : null;
            var high = state.DangerSignalled || Content.IsSensitive(handoff) || (previous is not null && Content.IsSensitive(previous));
            var path = state.History.Where(id => id != Content.Common.HandoffConsentNode).TakeLast(8).ToList();
            _actions.Add(new CaseAction.Open(state.Topic ?? Content.TopicOf(handoff), high, state.Language, path, state.Answers));
            // Back into a case left open under MENU: the same case (the store opens none while one is open), as it stood.
            return state with { InCase = true, PendingHandoff = null, CaseHidden = false, CaseClaimed = state.CaseHidden && state.CaseClaimed, CaseAcknowledgedAt = null };
        }

        /// <summary>What happens next, honestly: the expected wait on duty, or when the next shift starts, and the emergency channels.</summary>
        public string Availability(ConversationState state)
        {
            var schedule = options.Schedule;
            var language = state.Language;
            string when;
            if (schedule.IsOnDuty(Now))
            {
                when = Content.Common.Text("handoff-on-duty", language).Replace("{wait}", schedule.ExpectedWaitMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            }
            else
            {
                var next = schedule.NextOpening(Now);
                when = next is { } opening
                    ? Content.Common.Text("handoff-off-hours", language).Replace("{next}", NextOpeningText(opening, language), StringComparison.Ordinal)
                    : string.Empty;
            }

            // Raw texts: the renderer fills the facts (104, 911) and names their sources.
            return string.Join("\n\n", new[] { when, Content.Common.Text("handoff-emergency", language) }.Where(t => t.Length > 0));
        }

        private string NextOpeningText(DateTime opening, string language)
        {
            var common = Content.Common;
            var weekday = common.Weekdays.TryGetValue(language, out var days) && days.Count == 7 ? days[(int)opening.DayOfWeek] : opening.DayOfWeek.ToString();
            var month = common.Months.TryGetValue(language, out var months) && months.Count == 12 ? months[opening.Month - 1] : opening.Month.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return common.Text("next-opening", language)
                .Replace("{weekday}", weekday, StringComparison.Ordinal)
                .Replace("{d}", opening.Day.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{m}", month, StringComparison.Ordinal)
                .Replace("{time}", opening.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        private ConversationState Arrive(ConversationState state, ContentNode node)
        {
            if (Content.IsSensitive(node))
            {
                state = state with { DangerSignalled = true };
            }

            var topic = Content.TopicOf(node);
            Event(EventKind.NodeReached, state.Language, node.Id, topic);
            if (topic != "general" && topic != state.Topic)
            {
                Event(EventKind.TopicEntered, state.Language, node.Id, topic);
                state = state with { Topic = topic };
            }

            switch (node.Kind)
            {
                case NodeKind.Handoff:
                    Event(EventKind.HandoffRequested, state.Language, node.Id, state.Topic ?? topic);
                    break;
                case NodeKind.Emergency:
                    Event(EventKind.EmergencyShown, state.Language, node.Id, topic);
                    state = state with { LastEmergency = node.Id, SinceEmergency = 0 };
                    break;
                default:
                    break;
            }

            return state with { NodeId = node.Id, Misses = 0 };
        }

        /// <summary>Above the notice while a "yes" to a person waits for it: the request is kept and goes once a language is chosen.</summary>
        private const string NoticePerson = "notice-person";

        private bool AllowedBeforeConsent(ContentNode node) =>
            node.Kind == NodeKind.Emergency || node.Id == Content.Common.StartNode || node.Id == Content.Common.LanguageMenuNode
            || node.Id == Content.Common.DangerCheckNode;

        private string? TakeNotes(string language)
        {
            if (_notes.Count == 0)
            {
                return null;
            }

            // Notes are written in the language the user now reads (a language change applies at once).
            var text = string.Join("\n\n", _notes.Select(n => ContentRenderer.Common(Content, n.Id, language)));
            _notes.Clear();
            return text;
        }
    }
}
