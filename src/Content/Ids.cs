using System.Text.RegularExpressions;

namespace OimBot.Content;

internal static partial class Ids
{
    public static bool IsKebab(string id) => Kebab().IsMatch(id);

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex Kebab();
}
