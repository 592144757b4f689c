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
}
