using System.Diagnostics;
using System.Globalization;
using OimBot.Analytics;

/// <summary>
/// How long a period's report takes once its rows are loaded: aggregation (unique reach per week, channel, language,
/// topic and funnel step) and suppression of every table, on generated people with IOM-like volumes.
/// </summary>
internal static class ReportBench
{
    public static int Run(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var people = int.TryParse(Value("--people"), CultureInfo.InvariantCulture, out var p) ? p : 11_305;
        var weeks = int.TryParse(Value("--weeks"), CultureInfo.InvariantCulture, out var w) ? w : 13;
        var range = new ReportRange(new DateOnly(2026, 9, 28), new DateOnly(2026, 9, 28).AddDays((weeks * 7) - 1));
        string[] channels = ["whatsapp", "telegram"];
        string[] languages = ["es", "en", "fr", "ht"];
        string[] topics = ["avr", "dangers", "trafficking", "regularisation", "emergency"];
        var dimensions = new ReportDimensions(channels, languages, topics, new HashSet<string> { "trafficking", "dangers", "emergency" }, topics.ToDictionary(t => $"{t}-menu", t => t));

        var random = new Random(5);
        var activity = new List<ActivityRow>();
        for (var i = 0; i < people; i++)
        {
            var person = $"{i:x32}";
            var channel = channels[random.Next(channels.Length)];
            var language = languages[Math.Min(random.Next(6), 3)];
            var days = Enumerable.Range(0, random.Next(1, 5)).Select(_ => range.From.AddDays(random.Next(weeks * 7))).Distinct();
            foreach (var day in days)
            {
                activity.Add(new ActivityRow("2026-Q4", person, day, channel, language, string.Empty, Steps.Active));
                var topic = topics[random.Next(topics.Length)];
                foreach (var step in Steps.Funnel.Take(random.Next(0, 5)))
                {
                    activity.Add(new ActivityRow("2026-Q4", person, day, channel, language, topic, step));
                }
            }
        }

        var counts = new List<DailyCount>();
        for (var day = range.From; day <= range.To; day = day.AddDays(1))
        {
            foreach (var kind in Enum.GetValues<EventKind>())
            {
                foreach (var topic in topics)
                {
                    counts.Add(new DailyCount(day, kind, channels[random.Next(2)], languages[random.Next(4)], topic, $"{topic}-menu", kind == EventKind.SatisfactionGiven ? "4" : string.Empty, random.Next(0, 20)));
                }
            }
        }

        if (args.Contains("--sqlite"))
        {
            return ThroughTheService(range, activity, counts);
        }

        PublishedReport Once() => PublishedReport.From(ReachAggregator.Aggregate(range, activity, counts, dimensions), dimensions);
        Once(); // warm-up

        var runs = new List<double>();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        PublishedReport? report = null;
        for (var run = 0; run < 5; run++)
        {
            var started = Stopwatch.GetTimestamp();
            report = Once();
            runs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        var perRunMiB = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 5.0 / (1024 * 1024);
        runs.Sort();
        Console.WriteLine($"people {people:N0}, activity rows {activity.Count:N0}, daily counts {counts.Count:N0}, weeks {weeks}; reach shown: {report!.People.Shown}");
        Console.WriteLine($"| {TimeProvider.System.GetUtcNow():yyyy-MM-dd} | {people:N0} | {activity.Count:N0} | {weeks} | {runs[2]:0} | {runs[^1]:0} | {perRunMiB:0} | {Environment.WorkingSet / (1024 * 1024)} |");
        return 0;
    }

    /// <summary>
    /// The real path: the rows in the service's SQLite file, and the `report` command run as a process (start-up,
    /// migration check, content load, SQL, aggregation, suppression, text). The same command on an empty range is the
    /// baseline for process start-up.
    /// </summary>
    private static int ThroughTheService(ReportRange range, List<ActivityRow> activity, List<DailyCount> counts)
    {
        var repo = OimBotProcess.FindRepo();
        var root = Directory.CreateTempSubdirectory("oimbot-report-bench-").FullName;
        try
        {
            OimBotProcess.CopyDirectory(Path.Combine(repo, "content"), Path.Combine(root, "content"));
            OimBotProcess.CopyDirectory(Path.Combine(repo, "seeds"), Path.Combine(root, "seeds"));
            var dll = Path.Combine(repo, "src", "Bot", "bin", AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug", "net10.0", "OimBot.Bot.dll");
            string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

            double Run(DateOnly from, DateOnly to)
            {
                var info = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var argument in new[] { dll, "report", "--from", Day(from), "--to", Day(to) })
                {
                    info.ArgumentList.Add(argument);
                }

                var started = Stopwatch.GetTimestamp();
                using var process = Process.Start(info)!;
                var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException(output);
                }

                return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }

            Run(range.From, range.To); // creates and migrates data/oimbot.db
            using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(root, "data", "oimbot.db")}"))
            {
                db.Open();
                using var transaction = db.BeginTransaction();
                using var insert = db.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT OR IGNORE INTO analytics_activity (period, person, day, channel, language, topic, step) VALUES ($p, $person, $d, $c, $l, $t, $s)";
                var parameters = new[] { "$p", "$person", "$d", "$c", "$l", "$t", "$s" }.Select(n => insert.Parameters.Add(n, Microsoft.Data.Sqlite.SqliteType.Text)).ToArray();
                foreach (var a in activity)
                {
                    (parameters[0].Value, parameters[1].Value, parameters[2].Value, parameters[3].Value, parameters[4].Value, parameters[5].Value, parameters[6].Value) = (a.Period, a.Person, Day(a.Day), a.Channel, a.Language, a.Topic, a.Step);
                    insert.ExecuteNonQuery();
                }

                insert.CommandText = "INSERT OR IGNORE INTO analytics_daily (day, kind, channel, language, topic, node_id, value, content_version, count) VALUES ($d, $k, $c, $l, $t, $n, $v, 'bench', $count)";
                insert.Parameters.Clear();
                var daily = new[] { "$d", "$k", "$c", "$l", "$t", "$n", "$v" }.Select(n => insert.Parameters.Add(n, Microsoft.Data.Sqlite.SqliteType.Text)).ToArray();
                var count = insert.Parameters.Add("$count", Microsoft.Data.Sqlite.SqliteType.Integer);
                foreach (var c in counts)
                {
                    (daily[0].Value, daily[1].Value, daily[2].Value, daily[3].Value, daily[4].Value, daily[5].Value, daily[6].Value, count.Value) = (Day(c.Day), c.Kind.ToString(), c.Channel, c.Language, c.Topic, c.Node, c.Value, c.Count);
                    insert.ExecuteNonQuery();
                }

                transaction.Commit();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var baseline = Enumerable.Range(0, 3).Select(_ => Run(new DateOnly(2020, 1, 1), new DateOnly(2020, 1, 7))).Order().ElementAt(1);
            var full = Enumerable.Range(0, 3).Select(_ => Run(range.From, range.To)).Order().ElementAt(1);
            Console.WriteLine($"report command, median of 3: {full:0} ms for the range, {baseline:0} ms for an empty week (process start-up)");
            Console.WriteLine($"| {TimeProvider.System.GetUtcNow():yyyy-MM-dd} | {activity.Select(a => a.Person).Distinct().Count():N0} | {activity.Count:N0} | {(range.To.DayNumber - range.From.DayNumber + 1) / 7} | {full:0} | {baseline:0} |");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
