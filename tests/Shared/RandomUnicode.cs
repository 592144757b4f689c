using System.Text;

namespace OimBot.Tests.Common;

/// <summary>
/// Random text as a hostile or unlucky client sends it: emoji, combining marks, right-to-left and CJK scripts, every
/// script's digits, control characters, lone surrogates and noncharacters, up to 4,096 characters. Seeded: a failure
/// names its seed and iteration, and reproduces.
/// </summary>
public static class RandomUnicode
{
    private static readonly string[] Pieces =
    [
        "hola", "me tienen encerrada", "borrar", "menu", "1", "２", "٢", "२", "𝟐", "2️⃣", "👍🏽", "🇵🇦", "👨‍👩‍👧", "ayuda", "stop",
        "مرحبا", "שלום", "我想回国", "删除", "ทดสอบ", "\u200d", "\u200f", "\ufeff", "\ufe0f", "e\u0301", "ﬁ", "Ｍｅｎｕ", "\r\n", "\t",
    ];

    /// <param name="wellFormed">No lone surrogates: text that valid JSON can carry (what a provider forwards).</param>
    public static string Next(Random random, int maxLength = 4096, bool wellFormed = false)
    {
        ArgumentNullException.ThrowIfNull(random);
        var length = random.Next(10) == 0 ? maxLength : random.Next(0, 60);
        var text = new StringBuilder(length + 16);
        while (text.Length < length)
        {
            switch (random.Next(8))
            {
                case 0:
                    text.Append(Pieces[random.Next(Pieces.Length)]);
                    break;
                case 1:
                    text.Append((char)random.Next(0, 0x20)); // control characters
                    break;
                case 2 when !wellFormed:
                    text.Append((char)random.Next(0xD800, 0xE000)); // surrogates, usually unpaired
                    break;
                case 3:
                    text.Append((char)random.Next(0x300, 0x370)); // combining marks
                    break;
                case 4:
                    text.Append(char.ConvertFromUtf32(random.Next(0x1F300, 0x1FAFF))); // emoji
                    break;
                case 5:
                    text.Append((char)random.Next(0xFFF0, 0x10000)); // specials and noncharacters
                    break;
                default:
                    text.Append((char)random.Next(0x20, 0xD800));
                    break;
            }
        }

        var result = text.Length > maxLength ? text.ToString(0, maxLength) : text.ToString();
        return wellFormed && result.Length > 0 && char.IsHighSurrogate(result[^1]) ? result[..^1] : result; // never cut a pair
    }

    /// <summary>A JSON string literal that carries any UTF-16, lone surrogates included, as \u escapes.</summary>
    public static string JsonString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var json = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            if (c is >= ' ' and < (char)0x7F && c != '"' && c != '\\')
            {
                json.Append(c);
            }
            else
            {
                json.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return json.Append('"').ToString();
    }
}
