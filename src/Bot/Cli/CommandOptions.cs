namespace OimBot.Bot.Cli;

/// <summary>
/// The "--name value" and "--flag" options of a command, checked against the ones it knows. Anything else is an
/// error the command reports with its usage line.
/// </summary>
internal sealed class CommandOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandOptions(List<string> positional) => Positional = positional;

    public IReadOnlyList<string> Positional { get; }

    /// <summary>The first unknown option, or an option missing its value; null when every argument was understood.</summary>
    public string? Problem { get; private init; }

    public static CommandOptions Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> valued, IReadOnlyCollection<string>? flags = null)
    {
        var positional = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var set = new HashSet<string>(StringComparer.Ordinal);
        string? problem = null;
        for (var i = 0; i < args.Count && problem is null; i++)
        {
            if (valued.Contains(args[i]) && i + 1 < args.Count)
            {
                values[args[i]] = args[++i];
            }
            else if (flags?.Contains(args[i]) == true)
            {
                set.Add(args[i]);
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                problem = $"unknown option '{args[i]}'";
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        var options = new CommandOptions(positional) { Problem = problem };
        foreach (var (key, value) in values)
        {
            options._values[key] = value;
        }

        options._flags.UnionWith(set);
        return options;
    }

    public string? this[string name] => _values.TryGetValue(name, out var value) ? value : null;

    public bool Has(string flag) => _flags.Contains(flag);
}
