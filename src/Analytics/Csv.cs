using System.Text;

namespace OimBot.Analytics;

/// <summary>
/// The service's CSV, one writer for every export (reach, funnel, the audit log): RFC 4180 (comma, CR LF, a cell with a
/// comma, quote or line break in quotes, quotes doubled), safe to open in a spreadsheet, and UTF-8 with a byte order
/// mark so that Excel reads "Información" rather than "InformaciÃ³n".
/// </summary>
public static class Csv
{
    /// <summary>Appends one record, each value a cell (null as an empty one).</summary>
    public static StringBuilder Line(StringBuilder csv, params string?[] values)
    {
        ArgumentNullException.ThrowIfNull(csv);
        ArgumentNullException.ThrowIfNull(values);
        return csv.AppendJoin(',', values.Select(v => Cell(v ?? string.Empty))).Append("\r\n");
    }

    /// <summary>
    /// One cell: a value a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage return:
    /// OWASP's CSV injection list) gets a leading apostrophe, then RFC 4180 quoting.
    /// </summary>
    public static string Cell(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    /// <summary>What starts every export file: the UTF-8 byte order mark.</summary>
    public static ReadOnlySpan<byte> Preamble => Encoding.UTF8.Preamble;

    /// <summary>A whole export as its file's bytes: the byte order mark, then the text in UTF-8.</summary>
    public static byte[] Utf8WithBom(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return [.. Preamble, .. Encoding.UTF8.GetBytes(body)];
    }
}
