using System.Security.Cryptography;
using Dapper;
using OimBot.Bot.Handoff;

namespace OimBot.Bot.Storage;

/// <summary>Inbox accounts, on either provider. User names are unique and compared without case.</summary>
public sealed class UserStore(IStoreDatabase database) : IUserStore
{
    private const string Columns = """
        username AS Username, role AS Role, password_hash AS PasswordHash, security_stamp AS SecurityStamp, must_change_password AS MustChangePassword,
        disabled AS Disabled, failed_attempts AS FailedAttempts, locked_until AS LockedUntil, last_login_at AS LastLoginAt
        """;

    public async Task<int> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.ValueAsync<int>("SELECT COUNT(*) FROM users");
    }

    public async Task<InboxUser?> FindAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var row = await connection.OneOrDefaultAsync<UserRow>($"SELECT {Columns} FROM users WHERE lower(username) = lower(@username)", new { username });
        return row?.ToUser(database.Time);
    }

    public async Task<IReadOnlyList<InboxUser>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return [.. (await connection.ListAsync<UserRow>($"SELECT {Columns} FROM users ORDER BY username")).Select(r => r.ToUser(database.Time))];
    }

    public Task<bool> CreateAsync(string username, string role, string passwordHash, bool mustChangePassword, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            // ON CONFLICT: two instances creating the same name (the first admin at start-up) create it once.
            return await connection.ExecuteAsync(
                "INSERT INTO users (username, role, password_hash, security_stamp, must_change_password, created_at) VALUES (@username, @role, @passwordHash, @stamp, @mustChangePassword, @at) ON CONFLICT DO NOTHING",
                new { username, role, passwordHash, stamp = NewStamp(), mustChangePassword, at = database.Time.Write(now) },
                transaction) == 1;
        }, cancellationToken);

    public Task<bool> SetDisabledAsync(string username, bool disabled, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
            await connection.ExecuteAsync(
                "UPDATE users SET disabled = @disabled, security_stamp = @stamp WHERE lower(username) = lower(@username)",
                new { username, disabled, stamp = NewStamp() },
                transaction) == 1, cancellationToken);

    public Task SetPasswordAsync(string username, string passwordHash, bool mustChangePassword, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
            await connection.ExecuteAsync(
                "UPDATE users SET password_hash = @passwordHash, must_change_password = @mustChangePassword, security_stamp = @stamp, failed_attempts = 0, locked_until = NULL WHERE lower(username) = lower(@username)",
                new { username, passwordHash, mustChangePassword, stamp = NewStamp() },
                transaction), cancellationToken);

    public Task RecordFailureAsync(string username, int lockAfter, TimeSpan lockFor, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
            await connection.ExecuteAsync(
                """
                UPDATE users SET failed_attempts = failed_attempts + 1,
                  locked_until = CASE WHEN failed_attempts + 1 >= @lockAfter THEN @until ELSE locked_until END
                WHERE lower(username) = lower(@username)
                """,
                new { username, lockAfter, until = database.Time.Write(now + lockFor) },
                transaction), cancellationToken);

    public Task RevokeSessionsAsync(string username, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
            await connection.ExecuteAsync("UPDATE users SET security_stamp = @stamp WHERE lower(username) = lower(@username)", new { username, stamp = NewStamp() }, transaction), cancellationToken);

    public Task RecordSuccessAsync(string username, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
            await connection.ExecuteAsync(
                "UPDATE users SET failed_attempts = 0, locked_until = NULL, last_login_at = @at WHERE lower(username) = lower(@username)",
                new { username, at = database.Time.Write(now) },
                transaction), cancellationToken);

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private sealed class UserRow
    {
        public string Username { get; init; } = string.Empty;

        public string Role { get; init; } = string.Empty;

        public string PasswordHash { get; init; } = string.Empty;

        public string SecurityStamp { get; init; } = string.Empty;

        public bool MustChangePassword { get; init; }

        public bool Disabled { get; init; }

        public int FailedAttempts { get; init; }

        public object? LockedUntil { get; init; }

        public object? LastLoginAt { get; init; }

        public InboxUser ToUser(SqlTime time) => new(
            Username, Role, PasswordHash, SecurityStamp, MustChangePassword, Disabled, FailedAttempts,
            time.ReadOrNull(LockedUntil),
            time.ReadOrNull(LastLoginAt));
    }
}

public sealed class AuditLog(IStoreDatabase database) : IAuditLog
{
    public Task AppendAsync(string actor, string action, string? caseReference, string? detail, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
            await connection.ExecuteAsync(
                "INSERT INTO audit_log (at, actor, action, case_reference, detail) VALUES (@at, @actor, @action, @caseReference, @detail)",
                new { at = database.Time.Write(now), actor, action, caseReference, detail },
                transaction), cancellationToken);

    private const string Columns = "id, at, actor, action, case_reference, detail";

    public Task<IReadOnlyList<AuditEntry>> ListAsync(int count, CancellationToken cancellationToken) =>
        ReadAsync($"SELECT {Columns} FROM audit_log ORDER BY id DESC LIMIT @count", new { count }, cancellationToken);

    public Task<IReadOnlyList<AuditEntry>> ListAsync(DateTimeOffset from, DateTimeOffset until, int count, CancellationToken cancellationToken) =>
        ReadAsync(
            $"SELECT {Columns} FROM audit_log WHERE at >= @from AND at < @until ORDER BY id DESC LIMIT @count",
            new { from = database.Time.Write(from), until = database.Time.Write(until), count },
            cancellationToken);

    public async Task<long> CountAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.ValueAsync<long>(
            "SELECT COUNT(*) FROM audit_log WHERE at >= @from AND at < @until", new { from = database.Time.Write(from), until = database.Time.Write(until) });
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAsync(DateTimeOffset from, DateTimeOffset until, long afterId, int count, CancellationToken cancellationToken) =>
        ReadAsync(
            $"SELECT {Columns} FROM audit_log WHERE at >= @from AND at < @until AND id > @afterId ORDER BY id LIMIT @count",
            new { from = database.Time.Write(from), until = database.Time.Write(until), afterId, count },
            cancellationToken);

    private async Task<IReadOnlyList<AuditEntry>> ReadAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.ListAsync<(long Id, object At, string Actor, string Action, string? CaseReference, string? Detail)>(sql, parameters);
        return [.. rows.Select(r => new AuditEntry(database.Time.Read(r.At), r.Actor, r.Action, r.CaseReference, r.Detail) { Id = r.Id })];
    }
}
