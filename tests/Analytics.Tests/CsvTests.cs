namespace OimBot.Analytics.Tests;

/// <summary>One CSV writer for every export: RFC 4180 quoting and no cell a spreadsheet would run as a formula.</summary>
public sealed class CsvTests
{
    /// <summary>label, value, the cell written.</summary>
    public static TheoryData<string, string, string> Cells => new()
    {
        { "plain", "ana", "ana" },
        { "accents stay", "Información dada", "Información dada" },
        { "empty", "", "" },
        { "a comma is quoted", "a beto, luego a ana", "\"a beto, luego a ana\"" },
        { "quotes are doubled", "dijo \"hola\"", "\"dijo \"\"hola\"\"\"" },
        { "a line break is quoted", "uno\ndos", "\"uno\ndos\"" },
        { "CR LF is quoted", "uno\r\ndos", "\"uno\r\ndos\"" },
        { "= a formula", "=1+2", "'=1+2" },
        { "+ a formula", "+50761234567", "'+50761234567" },
        { "- a formula", "-1+1", "'-1+1" },
        { "@ a formula", "@SUM(A1:A9)", "'@SUM(A1:A9)" },
        { "a tab first", "\t=1", "'\t=1" },
        { "a carriage return first, then quoted", "\r=1", "\"'\r=1\"" },
        { "a formula with quotes and commas", "=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
        { "= not first is text", "a=b", "a=b" },
        { "- inside is text", "2026-12-07", "2026-12-07" },
    };

    [Theory]
    [MemberData(nameof(Cells))]
    public void ACell_IsQuotedAsRfc4180_AndNeverAFormula(string label, string value, string written) =>
        Assert.True(written == Csv.Cell(value), $"{label}: {Csv.Cell(value)}");

    [Fact]
    public void ALine_EndsInCrLf_AndAFileStartsWithTheUtf8ByteOrderMark()
    {
        var text = Csv.Line(new System.Text.StringBuilder(), "a", null, "b,c").ToString();
        Assert.Equal("a,,\"b,c\"\r\n", text);
        Assert.Equal([0xEF, 0xBB, 0xBF, (byte)'a', 0xC3, 0xB3], Csv.Utf8WithBom("aó"));
    }
}
