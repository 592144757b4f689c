using System.Globalization;
using System.Text;

namespace OimBot.Bot.Handoff;

/// <summary>
/// What an inbox password must be, in one place for every way one is set: <c>users add</c>, the Users page and the
/// password page. At least <see cref="MinimumLength"/> characters, not the user's name, not one character repeated,
/// and not a password on the short list people (and the guessers who try them first) reach for. The list is
/// compared without case, accents or what is glued after it ("Contraseña2026!" is "contraseña"), so it stays short.
/// </summary>
public static class PasswordPolicy
{
    public const int MinimumLength = 12;

    /// <summary>Said with every refusal of a common password: what to do instead.</summary>
    public const string Advice = "Usa al menos tres o cuatro palabras sin relación entre ellas, o una frase que no sea conocida.";

    /// <summary>
    /// Common passwords and their stems (compared lower case, without accents, with the digits and signs after them
    /// removed): from the top of the published leaked-password lists, in Spanish and English, keyboard rows, and the
    /// names of this service and the organisation, which every guesser tries first here.
    /// </summary>
    private static readonly HashSet<string> Common = new(StringComparer.Ordinal)
    {
        "password", "passw0rd", "contrasena", "contrasenia", "clave", "miclave", "secreto", "secret",
        "qwerty", "qwertyuiop", "asdfghjkl", "asdfghjkln", "zxcvbnm", "qwertyuiopasdfghjkl", "q2w3e4r5t", "q2w3e4r5t6y", "qaz2wsx", "qazwsx",
        "abc", "abcd", "abcde", "abcdef", "abcdefg", "iloveyou", "teamo", "teamomucho", "letmein", "welcome", "bienvenido", "bienvenida",
        "admin", "administrador", "administrator", "root", "usuario", "user", "login", "holamundo", "hola", "hello", "helloworld",
        "oim", "iom", "oimpanama", "iompanama", "panama", "panamacity", "oimbot", "bandeja", "migrante", "migrantes", "migracion",
        "dragon", "monkey", "football", "futbol", "princesa", "princess", "sunshine", "superman", "batman", "trustno", "master",
    };

    /// <summary>What people put around a common word: "2026", "123!", "#1".</summary>
    private static readonly char[] Around = "0123456789!¡?¿,;:*#@$%&/+=()[]{}<>'\"".ToCharArray();

    /// <summary>Null when the password may be used, otherwise why not, in Spanish (shown with the form again).</summary>
    public static string? Problem(string? password, string? confirmation, string username)
    {
        ArgumentNullException.ThrowIfNull(username);
        if (string.IsNullOrEmpty(password) || password.Length < MinimumLength)
        {
            return $"La contraseña necesita al menos {MinimumLength} caracteres.";
        }

        if (password != confirmation)
        {
            return "Las dos contraseñas no coinciden.";
        }

        if (username.Length > 0 && password.Contains(username, StringComparison.OrdinalIgnoreCase))
        {
            return "La contraseña no puede contener el nombre de usuario.";
        }

        if (password.All(c => c == password[0]))
        {
            return "La contraseña no puede ser un solo carácter repetido.";
        }

        return IsCommon(password) ? $"Esa contraseña es demasiado común y es de las primeras que se prueban. {Advice}" : null;
    }

    /// <summary>
    /// On the list once case, accents, separators and the digits and signs around it are set aside ("OIM-Panama-2026!"
    /// is "oimpanama"), a run like "123456789012", or a few characters repeated.
    /// </summary>
    private static bool IsCommon(string password)
    {
        var plain = string.Concat(Plain(password).Where(c => c is not ('-' or '_' or '.' or ' ')));
        var stem = plain.Trim(Around);
        return Common.Contains(plain) || Common.Contains(stem) || IsRun(plain) || IsRepeated(plain);
    }

    /// <summary>A few characters said again and again: "123123123123", "abababababab".</summary>
    private static bool IsRepeated(string text) =>
        Enumerable.Range(2, 3).Any(block => text.Length >= 2 * block && Enumerable.Range(block, text.Length - block).All(i => text[i] == text[i - block]));

    /// <summary>Each character the one after (or before) the last: "123456789012", "987654321098", "abcdefghijkl".</summary>
    private static bool IsRun(string text)
    {
        static bool Steps(string s, int step)
        {
            for (var i = 1; i < s.Length; i++)
            {
                var expected = char.IsAsciiDigit(s[i - 1]) && char.IsAsciiDigit(s[i]) ? (char)('0' + (((s[i - 1] - '0') + step + 10) % 10)) : (char)(s[i - 1] + step);
                if (s[i] != expected)
                {
                    return false;
                }
            }

            return true;
        }

        return Steps(text, 1) || Steps(text, -1);
    }

    /// <summary>Lower case without accents ("Contraseña" → "contrasena"), so one entry covers how people write it.</summary>
    private static string Plain(string text)
    {
        var decomposed = text.ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var plain = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                plain.Append(c);
            }
        }

        return plain.ToString().Normalize(NormalizationForm.FormC);
    }
}
