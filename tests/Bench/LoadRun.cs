using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

/// <summary>One measured pass: throughput, latency (webhook POST to the reply at the fake API), replies, CPU and memory.</summary>
/// <param name="Replies">sendMessage calls to this pass's chats, counted once the bot had gone quiet</param>
/// <param name="CpuMsPerMessage">the bot processes' user + system CPU time during the pass, per message</param>
/// <param name="PeakMemoryMiB">the bot processes' peak resident memory so far (VmHWM), summed over instances</param>
/// <param name="WriterCpuMsPerMessage">
/// the CPU time of OimBot's SQLite writer thread during the pass, per message (null for other systems): that thread is
/// the serial resource on SQLite, and its figure, from the scheduler's nanosecond count, varies far less from run to
/// run than the whole process's
/// </param>
/// <param name="MinorFaultsPerMessage">the bot processes' minor page faults during the pass, per message (memory the process touched for the first time, or again after giving it back)</param>
/// <param name="AllocatedKBPerMessage">
/// OimBot only: the bytes its processes' managed heaps allocated during the pass (<c>dotnet.gc.heap.total_allocated</c>
/// on /metrics), in KB per message. Unlike throughput and CPU this barely moves with the machine's speed.
/// </param>
/// <param name="GcPauseMsPerMessage">
/// OimBot only: the time its garbage collections stopped every thread during the pass (<c>dotnet.gc.pause.time</c>),
/// in ms per message: each collection costs some 2.5 ms here however little survives it, so the figure follows the
/// collections' count more than the bytes allocated
/// </param>
/// <param name="CollectionsPerThousand">OimBot only: garbage collections (all generations) per 1,000 messages</param>
/// <param name="JitMethods">
/// OimBot only: methods the JIT compiled between the scrape of /metrics before the pass and the one after its quiet wait
/// (<c>dotnet.jit.compiled_methods</c>), every tier counted: what a fresh process still compiles. The span is wider than
/// the pass's time and CPU (the scrapes themselves are in it); before a process's first pass it starts with a second
/// scrape, once what the first compiled (the exporter) is done
/// </param>
/// <param name="JitMs">OimBot only: the JIT's compiling time over the same span (<c>dotnet.jit.compilation.time</c>), in ms</param>
/// <param name="TurnsPerGroup">
/// OimBot on PostgreSQL only: turns sent in groups over groups sent (<c>oimbot.storage.grouped_turns</c>,
/// <c>oimbot.storage.turn_groups</c>), with the groups that failed (each turn then ran again alone)
/// </param>
internal sealed record LoadResult(
    int Users,
    int MessagesPerUser,
    int Concurrency,
    int Messages,
    int Failures,
    double Seconds,
    double MessagesPerSecond,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    int Replies,
    double? CpuMsPerMessage,
    double? PeakMemoryMiB,
    double? WriterCpuMsPerMessage = null,
    double? MinorFaultsPerMessage = null,
    double? WriterWaitMsPerMessage = null,
    double? AllocatedKBPerMessage = null,
    double? GcPauseMsPerMessage = null,
    double? CollectionsPerThousand = null,
    double? JitMethods = null,
    double? JitMs = null,
    (double Turns, double Groups, double Failed)? TurnsPerGroup = null);

/// <summary>
/// Drives whole conversations through signed Telegram webhooks: each user sends the script in order, one message after
/// the reply to the previous one, at most <c>concurrency</c> users at a time. With several webhooks (instances behind a
/// balancer), a user's messages go to them in turn, as a round-robin balancer would send them.
/// </summary>
internal static class LoadRun
{
    /// <summary>The conversation every system answers: greeting, language, menus, back, main menu.</summary>
    public static readonly string[] Script = ["hola", "1", "1", "2", "atras", "3", "menu", "4"];

    /// <summary>Update ids rise across every pass of the process, so no pass repeats another's (bots drop repeats).</summary>
    private static long s_update = Environment.TickCount64 % 1_000_000 * 1_000;

    /// <summary>The /metrics already read once (a process's first scrape compiles the exporter); passes run one at a time.</summary>
    private static readonly HashSet<string> s_scraped = [];

    /// <summary>The name OimBot gives its SQLite writer's thread (as /proc shows it).</summary>
    private const string WriterThread = "SQLite writer";

    /// <summary>
    /// Where each pass's timeline goes (`compare --timeline FILE`), or null: the replies that arrived in each 50 ms of the
    /// pass with their mean latency, the connections the service opened to the fake Bot API, and the CPU each of the
    /// service's threads spent, by name (the JIT's background thread, the thread pool, the SQLite writer…).
    /// </summary>
    public static TextWriter? Timeline { get; set; }

    public static HttpClient Client(int concurrency) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 }) { Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<LoadResult> RunAsync(
        FakeTelegram fake, IReadOnlyList<string> webhooks, string secret, HttpClient http, int users, int messages, int concurrency, long firstChat, IReadOnlyList<int> pids, IReadOnlyList<string>? metrics = null)
    {
        var managedBefore = await ManagedFiguresAsync(http, metrics);
        if (metrics is not null && metrics.Where(s_scraped.Add).ToList() is { Count: > 0 }) // every URL added, none skipped
        {
            // A process's first scrape compiles the exporter's code (some 200 methods); their optimised versions are
            // compiled in the background some 100 ms later. Not in the fresh pass's CPU or time, nor in its figures: they
            // are read again once that is done (the fresh pass's JIT figures were some 350 methods and 20–40 ms too high
            // without this).
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            managedBefore = await ManagedFiguresAsync(http, metrics);
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        var script = Script.Take(messages).ToArray();
        var latencies = new ConcurrentBag<double>();
        var failures = 0;
        var repliesBefore = Enumerable.Range(0, users).Sum(u => fake.RepliesTo(firstChat + u));
        var cpuBefore = pids.Sum(ProcessFigures.CpuMs);
        var faultsBefore = pids.Sum(p => ProcessFigures.MinorFaults(p) ?? 0);
        var writerBefore = pids.Sum(p => ProcessFigures.ThreadCpuMs(p, WriterThread) ?? 0);
        var waitBefore = pids.Sum(p => ProcessFigures.ThreadCpuMs(p, WriterThread, waited: true) ?? 0);

        var arrivals = new ConcurrentBag<(long Sent, long Arrived)>();
        var connectionsBefore = fake.Connections;
        var threadsBefore = Timeline is null ? [] : ProcessFigures.CpuMsByThread(pids);
        var wall = Stopwatch.StartNew();
        var start = Stopwatch.GetTimestamp();
        using var gate = new SemaphoreSlim(concurrency);
        await Task.WhenAll(Enumerable.Range(0, users).Select(async user =>
        {
            await gate.WaitAsync();
            try
            {
                await ConverseAsync(firstChat + user);
            }
            finally
            {
                gate.Release();
            }
        }));
        wall.Stop();
        if (Timeline is not null)
        {
            WriteTimeline(concurrency, wall.Elapsed, start, arrivals, fake.Connections - connectionsBefore, threadsBefore, ProcessFigures.CpuMsByThread(pids));
        }

        var cpu = pids.Sum(ProcessFigures.CpuMs) - cpuBefore;
        var faults = pids.Sum(p => ProcessFigures.MinorFaults(p) ?? 0) - faultsBefore;
        var writer = pids.Select(p => ProcessFigures.ThreadCpuMs(p, WriterThread)).ToList();
        var waited = pids.Select(p => ProcessFigures.ThreadCpuMs(p, WriterThread, waited: true)).ToList();

        // Late or extra replies: wait until nothing has arrived for half a second (at most 5 s).
        var quiet = Stopwatch.StartNew();
        for (var total = fake.TotalReplies; quiet.Elapsed < TimeSpan.FromSeconds(5); total = fake.TotalReplies)
        {
            await Task.Delay(500);
            if (fake.TotalReplies == total)
            {
                break;
            }
        }

        var replies = Enumerable.Range(0, users).Sum(u => fake.RepliesTo(firstChat + u)) - repliesBefore;
        var managed = await ManagedFiguresAsync(http, metrics) - managedBefore;
        var sorted = latencies.Order().ToArray();
        var peak = pids.Select(ProcessFigures.PeakMemoryMiB).ToList();
        return new LoadResult(
            users,
            script.Length,
            concurrency,
            sorted.Length,
            failures,
            Math.Round(wall.Elapsed.TotalSeconds, 2),
            Math.Round(sorted.Length / wall.Elapsed.TotalSeconds, 1),
            Math.Round(Percentile(sorted, 0.50), 2),
            Math.Round(Percentile(sorted, 0.99), 2),
            Math.Round(sorted.LastOrDefault(), 1),
            replies,
            pids.Count == 0 || sorted.Length == 0 ? null : Math.Round(cpu / sorted.Length, 3),
            peak.Count == 0 || peak.Any(p => p is null) ? null : Math.Round(peak.Sum(p => p!.Value), 1),
            writer.Count == 0 || writer.Any(w => w is null) || sorted.Length == 0 ? null : Math.Round((writer.Sum(w => w!.Value) - writerBefore) / sorted.Length, 4),
            pids.Count == 0 || sorted.Length == 0 ? null : Math.Round((double)faults / sorted.Length, 1),
            waited.Count == 0 || waited.Any(w => w is null) || sorted.Length == 0 ? null : Math.Round((waited.Sum(w => w!.Value) - waitBefore) / sorted.Length, 4),
            managed is null || sorted.Length == 0 ? null : Math.Round(managed.Value.AllocatedBytes / 1024.0 / sorted.Length, 1),
            managed is null || sorted.Length == 0 ? null : Math.Round(managed.Value.PauseSeconds * 1000 / sorted.Length, 4),
            managed is null || sorted.Length == 0 ? null : Math.Round(managed.Value.Collections * 1000.0 / sorted.Length, 1),
            managed?.JitMethods,
            managed is null ? null : Math.Round(managed.Value.JitSeconds * 1000, 1),
            managed is { TurnGroups: > 0 } grouped ? (grouped.GroupedTurns, grouped.TurnGroups, grouped.FailedGroups) : null);

        async Task ConverseAsync(long chat)
        {
            for (var i = 0; i < script.Length; i++)
            {
                var before = fake.RepliesTo(chat);
                var update = Interlocked.Increment(ref s_update);
                var body = "{\"update_id\":" + update + ",\"message\":{\"message_id\":" + update + ",\"from\":{\"id\":" + chat + ",\"is_bot\":false,\"first_name\":\"Bench\"},\"chat\":{\"id\":" + chat + ",\"type\":\"private\"},\"date\":1700000000,\"text\":" + JsonSerializer.Serialize(script[i]) + "}}";
                using var request = new HttpRequestMessage(HttpMethod.Post, webhooks[i % webhooks.Count]) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref failures);
                        return;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failures);
                    return;
                }

                var arrived = await fake.WaitForReplyAsync(chat, before, TimeSpan.FromSeconds(30));
                if (arrived is null)
                {
                    Interlocked.Increment(ref failures);
                    return;
                }

                latencies.Add(Stopwatch.GetElapsedTime(sent, arrived.Value).TotalMilliseconds);
                arrivals.Add((sent, arrived.Value));
            }
        }
    }

    private static void WriteTimeline(int concurrency, TimeSpan elapsed, long start, IEnumerable<(long Sent, long Arrived)> arrivals, int connections, Dictionary<(int Pid, int Tid), (string Name, double Ms)> threadsBefore, Dictionary<(int Pid, int Tid), (string Name, double Ms)> threadsAfter)
    {
        const double Slice = 50;
        var replies = new int[(int)(elapsed.TotalMilliseconds / Slice) + 1];
        var latency = new double[replies.Length];
        foreach (var (sent, arrived) in arrivals)
        {
            var slice = Math.Min((int)(Stopwatch.GetElapsedTime(start, arrived).TotalMilliseconds / Slice), replies.Length - 1);
            replies[slice]++;
            latency[slice] += Stopwatch.GetElapsedTime(sent, arrived).TotalMilliseconds;
        }

        // Per thread, what it spent since the pass began (a thread started during the pass: all of it); a thread that ended
        // during the pass is not counted (its time is gone from /proc), only said.
        var threads = threadsAfter
            .GroupBy(t => t.Value.Name, t => t.Value.Ms - (threadsBefore.TryGetValue(t.Key, out var before) ? before.Ms : 0))
            .Select(g => (Name: g.Key, Ms: g.Sum(), Threads: g.Count(), Started: g.Count() - threadsBefore.Keys.Count(k => threadsAfter.TryGetValue(k, out var a) && a.Name == g.Key)))
            .Where(t => t.Ms >= 1).OrderByDescending(t => t.Ms);
        var gone = threadsBefore.Keys.Count(k => !threadsAfter.ContainsKey(k));
        var timeline = Timeline!;
        var ended = TimeProvider.System.GetUtcNow(); // the wall clock, to line a pass up with what the service logged or the JIT listed then
        timeline.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  pass at concurrency {concurrency}: {elapsed.TotalMilliseconds:0} ms ({ended - elapsed:HH:mm:ss.fff} to {ended:HH:mm:ss.fff} UTC), {connections} connections opened to the Bot API"));
        timeline.WriteLine("    replies per 50 ms (mean latency ms): " + string.Join(" ", replies.Select((n, i) => string.Create(CultureInfo.InvariantCulture, $"{n} ({(n == 0 ? 0 : latency[i] / n):0.0})"))));
        timeline.WriteLine("    CPU ms by thread (threads; started during the pass): " + string.Join(", ", threads.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name} {t.Ms:0} ({t.Threads}{(t.Started > 0 ? $"; {t.Started} started" : string.Empty)})")))
            + (gone > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {gone} threads ended during the pass, their time not counted") : string.Empty));
        timeline.Flush();
    }

    /// <summary>
    /// What the managed heaps of the processes whose /metrics are given did so far (summed): bytes allocated, time paused
    /// for collections, collections. Null without them or when one cannot be read. The exporter may answer from a cache
    /// up to 300 ms old; passes last seconds and are read after half a second's quiet.
    /// </summary>
    internal static async Task<ManagedFigures?> ManagedFiguresAsync(HttpClient http, IReadOnlyList<string>? metrics)
    {
        if (metrics is not { Count: > 0 })
        {
            return null;
        }

        var total = default(ManagedFigures);
        foreach (var url in metrics)
        {
            try
            {
                if (ManagedFigures.Parse(await http.GetStringAsync(url)) is not { } figures)
                {
                    return null;
                }

                total += figures;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }

        return total;
    }

    internal static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>A process's managed heap, from the runtime's metrics on /metrics (Prometheus text).</summary>
/// <param name="GroupedTurns">PostgreSQL's group commit: turns sent in groups</param>
/// <param name="TurnGroups">groups sent</param>
/// <param name="FailedGroups">groups that failed</param>
internal readonly record struct ManagedFigures(double AllocatedBytes, double PauseSeconds, double Collections, double JitMethods, double JitSeconds, double GroupedTurns = 0, double TurnGroups = 0, double FailedGroups = 0)
{
    public static ManagedFigures operator +(ManagedFigures a, ManagedFigures b) =>
        new(a.AllocatedBytes + b.AllocatedBytes, a.PauseSeconds + b.PauseSeconds, a.Collections + b.Collections, a.JitMethods + b.JitMethods, a.JitSeconds + b.JitSeconds,
            a.GroupedTurns + b.GroupedTurns, a.TurnGroups + b.TurnGroups, a.FailedGroups + b.FailedGroups);

    public static ManagedFigures operator -(ManagedFigures a, ManagedFigures b) =>
        new(a.AllocatedBytes - b.AllocatedBytes, a.PauseSeconds - b.PauseSeconds, a.Collections - b.Collections, a.JitMethods - b.JitMethods, a.JitSeconds - b.JitSeconds,
            a.GroupedTurns - b.GroupedTurns, a.TurnGroups - b.TurnGroups, a.FailedGroups - b.FailedGroups);

    /// <summary>The figures, or null when the allocated bytes are missing (metrics off, or not yet exported).</summary>
    public static ManagedFigures? Parse(string text)
    {
        double? allocated = null;
        double pause = 0, collections = 0, jitMethods = 0, jitSeconds = 0, groupedTurns = 0, turnGroups = 0, failedGroups = 0;
        foreach (var line in text.Split('\n'))
        {
            var space = line.LastIndexOf(' ');
            if (line.StartsWith('#') || space < 0
                || !double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            if (line.StartsWith("dotnet_gc_heap_total_allocated_bytes_total", StringComparison.Ordinal))
            {
                allocated = value;
            }
            else if (line.StartsWith("dotnet_gc_pause_time_seconds_total", StringComparison.Ordinal))
            {
                pause = value;
            }
            else if (line.StartsWith("dotnet_gc_collections_total", StringComparison.Ordinal))
            {
                collections += value; // one line per generation
            }
            else if (line.StartsWith("dotnet_jit_compiled_methods_total", StringComparison.Ordinal))
            {
                jitMethods = value;
            }
            else if (line.StartsWith("dotnet_jit_compilation_time_seconds_total", StringComparison.Ordinal))
            {
                jitSeconds = value;
            }
            else if (line.StartsWith("oimbot_storage_grouped_turns", StringComparison.Ordinal))
            {
                groupedTurns = value;
            }
            else if (line.StartsWith("oimbot_storage_turn_groups", StringComparison.Ordinal))
            {
                turnGroups += value; // one line per outcome
                failedGroups += line.Contains("outcome=\"failed\"", StringComparison.Ordinal) ? value : 0;
            }
        }

        return allocated is { } bytes ? new ManagedFigures(bytes, pause, collections, jitMethods, jitSeconds, groupedTurns, turnGroups, failedGroups) : null;
    }
}

/// <summary>What Linux says about a process: CPU time used and peak resident memory.</summary>
internal static class ProcessFigures
{
    /// <summary>User + system CPU time of every thread of the process so far, in milliseconds (0 once it is gone).</summary>
    public static double CpuMs(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.TotalProcessorTime.TotalMilliseconds;
        }
        catch (ArgumentException)
        {
            return 0;
        }
    }

    /// <summary>Minor page faults of the process so far (field 10 of /proc/PID/stat); null once it is gone.</summary>
    public static long? MinorFaults(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[7], CultureInfo.InvariantCulture); // fields from the state (3rd) on: minflt is the 10th
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// The CPU time of the process's threads named <paramref name="name"/> so far, in milliseconds, from
    /// /proc/PID/task/TID/schedstat (nanoseconds on the CPU); with <paramref name="waited"/>, the time they were ready
    /// to run but waited for a core (its second field). Null when it has no such thread.
    /// </summary>
    public static double? ThreadCpuMs(int pid, string name, bool waited = false)
    {
        try
        {
            double? total = null;
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                if (ReadTask(task) is var thread && thread.Name == name)
                {
                    total = (total ?? 0) + (waited ? thread.WaitedMs : thread.RunningMs);
                }
            }

            return total;
        }
        catch (IOException)
        {
            return null; // the process or the thread is gone
        }
    }

    /// <summary>Each of the processes' threads so far: its name and CPU time in milliseconds (/proc/PID/task/TID/schedstat).</summary>
    public static Dictionary<(int Pid, int Tid), (string Name, double Ms)> CpuMsByThread(IEnumerable<int> pids)
    {
        var result = new Dictionary<(int Pid, int Tid), (string Name, double Ms)>();
        foreach (var pid in pids)
        {
            foreach (var task in Directory.Exists($"/proc/{pid}/task") ? Directory.EnumerateDirectories($"/proc/{pid}/task") : [])
            {
                try
                {
                    var thread = ReadTask(task);
                    result[(pid, int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture))] = (thread.Name, thread.RunningMs);
                }
                catch (IOException)
                {
                    // the thread is gone
                }
            }
        }

        return result;
    }

    /// <summary>
    /// One thread (/proc/PID/task/TID): its name, and from its schedstat (nanoseconds) the time it ran and the time it
    /// was ready to run but waited for a core, in milliseconds. Throws IOException once it is gone.
    /// </summary>
    private static (string Name, double RunningMs, double WaitedMs) ReadTask(string task)
    {
        var name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
        var schedstat = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
        return (name, long.Parse(schedstat[0], CultureInfo.InvariantCulture) / 1e6, long.Parse(schedstat[1], CultureInfo.InvariantCulture) / 1e6);
    }

    /// <summary>Peak resident memory (VmHWM) in MiB, or null when the process is gone.</summary>
    public static double? PeakMemoryMiB(int pid) => StatusMiB(pid, "VmHWM:");

    /// <summary>Current resident memory (VmRSS) in MiB, or null when the process is gone.</summary>
    public static double? ResidentMiB(int pid) => StatusMiB(pid, "VmRSS:");

    /// <summary>A kB figure from /proc/PID/status, in MiB.</summary>
    private static double? StatusMiB(int pid, string field)
    {
        var status = $"/proc/{pid}/status";
        if (!File.Exists(status))
        {
            return null;
        }

        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }
}
