using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using OimBot.Bot.Dialogs;
using OimBot.Bot.Handoff;

namespace OimBot.Bot.Storage;

/// <summary>What a user's turn does to their case, inside the turn's transaction.</summary>
internal static class CaseTransactions
{
    private const string Alphabet = "ACDEFGHJKLMNPQRTUVWXY34679"; // no look-alikes (0/O, 1/I, 5/S, 8/B)

    public static async Task<bool> ApplyAsync(
        DbConnection connection,
        DbTransaction transaction,
        AddressProtector protector,
        ChannelAddress from,
        string? conversationId,
        IReadOnlyList<CaseAction> actions,
        DateTimeOffset now)
    {
        if (actions.Count == 0 || conversationId is null)
        {
            return false;
        }

        var at = SqlTime.For(connection).Write(now);
        var openId = await OpenCaseIdAsync(connection, transaction, conversationId);
        foreach (var action in actions)
        {
            switch (action)
            {
                case CaseAction.Open open when openId is null:
                    openId = SqliteConversationStore.NewId();
                    var summary = JsonSerializer.Serialize(new CaseSummary([.. open.Path], open.Answers.ToDictionary(a => a.Key, a => a.Value)), StorageJson.Default.CaseSummary);
                    await connection.ExecuteAsync(
                        """
                        INSERT INTO cases (id, reference, conversation_id, channel, topic, language, priority, status, summary, created_at, last_inbound_at, updated_at)
                        VALUES (@id, @reference, @conversationId, @channel, @topic, @language, @priority, 'waiting', @summary, @at, @at, @at)
                        """,
                        new { id = openId, reference = NewReference(), conversationId, channel = from.Channel, topic = open.Topic, language = open.Language, priority = open.HighPriority ? "high" : "normal", summary, at },
                        transaction);
                    break;
                case CaseAction.Forward forward when openId is not null:
                    await AddMessageAsync(connection, transaction, protector, openId, "migrant", null, forward.Text, null, now);
                    await connection.ExecuteAsync("UPDATE cases SET last_inbound_at = @at, updated_at = @at WHERE id = @openId", new { openId, at }, transaction);
                    break;
                case CaseAction.Escalate escalate when openId is not null:
                    await connection.ExecuteAsync("UPDATE cases SET priority = 'high', updated_at = @at WHERE id = @openId", new { openId, at }, transaction);
                    await AddMessageAsync(connection, transaction, protector, openId, "system", null, escalate.Likely
                        ? "Posible peligro (lectura del bot, no segura): se mostraron los números de emergencia; prioridad alta."
                        : "Frase de peligro: el bot mostró los números de emergencia; prioridad alta.", null, now);
                    break;
                case CaseAction.Hide when openId is not null:
                    await AddMessageAsync(connection, transaction, protector, openId, "system", null, "La persona escribió MENU (quizá alguien mira su teléfono): el caso sigue abierto y tu respuesta le llegará. Escribe con prudencia.", null, now);
                    break;
                case CaseAction.Leave leave when openId is not null:
                    await AddMessageAsync(connection, transaction, protector, openId, "system", null, leave.Reason switch
                    {
                        CaseAction.Stopped => "La persona escribió STOP: no recibirá más mensajes.",
                        CaseAction.Withdrawn => "La persona canceló su pedido de hablar con alguien (lo confirmó con «Sí»): el caso se cerró y no recibirá respuesta.",
                        _ => "La persona volvió al asistente automático (MENU).",
                    }, null, now);
                    await connection.ExecuteAsync(
                        "UPDATE cases SET status = 'closed', outcome = @outcome, closed_at = @at, updated_at = @at WHERE id = @openId",
                        new { openId, outcome = CaseOutcomes.OfLeave(leave.Reason), at },
                        transaction);
                    openId = null;
                    break;
                default:
                    break;
            }
        }

        return true;
    }

    public static Task<string?> OpenCaseIdAsync(DbConnection connection, DbTransaction transaction, string conversationId) =>
        connection.OneOrDefaultAsync<string>(
            "SELECT id FROM cases WHERE conversation_id = @conversationId AND status IN ('waiting', 'claimed') ORDER BY created_at DESC LIMIT 1",
            new { conversationId },
            transaction);

    /// <summary>The conversation's most recent case, open or closed (a held reply may outlive its case).</summary>
    public static Task<string?> LatestCaseIdAsync(DbConnection connection, DbTransaction transaction, string conversationId) =>
        connection.OneOrDefaultAsync<string>(
            "SELECT id FROM cases WHERE conversation_id = @conversationId AND transcript_deleted_at IS NULL ORDER BY created_at DESC LIMIT 1",
            new { conversationId },
            transaction);

    /// <summary>Transcript text is encrypted at rest with the same key as channel addresses.</summary>
    public static Task AddMessageAsync(DbConnection connection, DbTransaction transaction, AddressProtector protector, string caseId, string author, string? authorName, string text, long? outboxId, DateTimeOffset now) =>
        connection.ExecuteAsync(
            "INSERT INTO case_messages (case_id, author, author_name, text_cipher, outbox_id, created_at) VALUES (@caseId, @author, @authorName, @cipher, @outboxId, @at)",
            new { caseId, author, authorName, cipher = protector.Encrypt(text), outboxId, at = SqlTime.For(connection).Write(now) },
            transaction);

    private static string NewReference() =>
        "C-" + string.Concat(RandomNumberGenerator.GetItems<char>(Alphabet, 6));
}

/// <summary>What the user agreed to share with the caseworker: node ids and choice ids, never text.</summary>
public sealed record CaseSummary(List<string> Path, Dictionary<string, string> Answers);
