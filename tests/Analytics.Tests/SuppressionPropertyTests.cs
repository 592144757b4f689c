namespace OimBot.Analytics.Tests;

/// <summary>
/// R19: small-cell suppression, checked against an independent brute force: for many random tables, nothing shown is a
/// small count, a hidden cell is never a zero, and every hidden figure can take at least two values among all the
/// tables an attacker could reconstruct from what is published (shown values, "&lt;k" in 1..k-1, "•" at least 1, and
/// every row, column and grand total adding up).
/// </summary>
public class SuppressionPropertyTests
{
    [Fact]
    public void RandomTables_ShowNoSmallCount_AndNoHiddenFigureCanBeRecovered()
    {
        var random = new Random(20261122);
        var checkedTables = 0;
        var withComplementary = 0;
        for (var round = 0; round < 2000; round++)
        {
            var rows = random.Next(1, 4);
            var columns = random.Next(1, 4);
            var counts = new long[rows, columns];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    counts[r, c] = random.Next(10) switch
                    {
                        < 4 => 0,
                        < 7 => random.Next(1, 10),
                        _ => random.Next(10, 21),
                    };
                }
            }

            var sensitive = Enumerable.Range(0, rows).Where(_ => random.Next(4) == 0).ToHashSet();
            var table = Suppression.Apply(counts, sensitive);
            AssertNoSmallCountShown(table, counts, sensitive, round);
            withComplementary += AllFigures(table).Any(f => f.Cell.State == CellState.Complementary) ? 1 : 0;
            string? leak;
            try
            {
                leak = BruteForce.Check(counts, table, sensitive);
            }
            catch (InvalidOperationException)
            {
                Assert.Fail($"round {round} too large\n{Describe(counts, table)}");
                throw;
            }

            if (leak is not null)
            {
                Assert.Fail($"round {round}: {leak}\n{Describe(counts, table)}");
            }

            checkedTables++;
        }

        Assert.Equal(2000, checkedTables);
        Assert.True(withComplementary > 100, $"only {withComplementary} tables needed complementary suppression: the generator is too easy");
    }

    /// <summary>
    /// The exact check Apply relies on (a max-flow feasibility test) agrees with the brute force on random tables with
    /// random hidden cells and totals, whether or not something is recoverable.
    /// </summary>
    [Fact]
    public void TheFlowCheck_AgreesWithTheBruteForce_OnRandomHiddenPatterns()
    {
        var random = new Random(7);
        var recoverable = 0;
        var safe = 0;
        for (var round = 0; round < 1500; round++)
        {
            var rows = random.Next(1, 4);
            var columns = random.Next(1, 4);
            var counts = new long[rows, columns];
            var state = new CellState[rows, columns];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    counts[r, c] = random.Next(4) == 0 ? 0 : random.Next(1, 13);
                    state[r, c] = counts[r, c] == 0 || random.Next(3) > 0 ? CellState.Shown
                        : counts[r, c] < 5 ? CellState.Small : CellState.Complementary;
                }
            }

            long Row(int r) => Enumerable.Range(0, columns).Sum(c => counts[r, c]);
            long Column(int c) => Enumerable.Range(0, rows).Sum(r => counts[r, c]);
            CellState Total(long value) => value == 0 || random.Next(4) > 0 ? CellState.Shown : value < 5 ? CellState.Small : CellState.Complementary;
            var rowTotals = Enumerable.Range(0, rows).Select(Row).ToArray();
            var columnTotals = Enumerable.Range(0, columns).Select(Column).ToArray();
            var grand = rowTotals.Sum();
            var rowStates = rowTotals.Select(Total).ToArray();
            var columnStates = columnTotals.Select(Total).ToArray();
            var grandState = Total(grand);

            var flow = Disclosure.FirstDetermined(counts, state, rowTotals, rowStates, columnTotals, columnStates, grand, grandState, _ => 5) is not null;
            PublishedCell Cell(long value, CellState s) => new(value, s, 5);
            var cells = new PublishedCell[rows, columns];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    cells[r, c] = Cell(counts[r, c], state[r, c]);
                }
            }

            var table = new SuppressedTable(cells, [.. rowTotals.Select((t, r) => Cell(t, rowStates[r]))], [.. columnTotals.Select((t, c) => Cell(t, columnStates[c]))], Cell(grand, grandState));
            var brute = BruteForce.Check(counts, table, new HashSet<int>(), generous: true) is not null;

            Assert.True(flow == brute, $"round {round}: flow says {(flow ? "recoverable" : "safe")}, brute force says {(brute ? "recoverable" : "safe")}\n{Describe(counts, table)}");
            recoverable += flow ? 1 : 0;
            safe += flow ? 0 : 1;
        }

        Assert.True(recoverable > 200 && safe > 200, $"recoverable {recoverable}, safe {safe}: the generator must exercise both");
    }

    public static TheoryData<long[][], int[], string[][]> Examples => new()
    {
        // all zero: nothing to hide
        { [[0, 0], [0, 0]], [], [["0", "0"], ["0", "0"]] },
        // nothing small: unchanged
        { [[12, 30], [7, 9]], [], [["12", "30"], ["7", "9"]] },
        // one small cell: its row and column need a second hidden cell each, which then needs a fourth
        { [[3, 30], [20, 40]], [], [["<5", "•"], ["•", "•"]] },
        // a single cell
        { [[3]], [], [["<5"]] },
        // a sensitive row hides up to 9
        { [[7, 40], [7, 40]], [0], [["<10", "•"], ["•", "•"]] },
        // one column: the small cell and the smallest other one
        { [[100], [3], [50]], [], [["100"], ["<5"], ["•"]] },
        // two small cells in one column, which together with the total would still be too exact (1 + 1 = 2)
        { [[1], [1], [50]], [], [["<5"], ["<5"], ["•"]] },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void Examples_AreSuppressedAsExpected(long[][] values, int[] sensitiveRows, string[][] expected)
    {
        var counts = new long[values.Length, values[0].Length];
        for (var r = 0; r < values.Length; r++)
        {
            for (var c = 0; c < values[0].Length; c++)
            {
                counts[r, c] = values[r][c];
            }
        }

        var table = Suppression.Apply(counts, sensitiveRows.ToHashSet());

        var shown = Enumerable.Range(0, table.Rows).Select(r => Enumerable.Range(0, table.Columns).Select(c => table.Cells[r, c].Shown).ToArray()).ToArray();
        Assert.Equal(expected, shown);
        Assert.Null(BruteForce.Check(counts, table, sensitiveRows.ToHashSet()));
    }

    private static void AssertNoSmallCountShown(SuppressedTable table, long[,] counts, HashSet<int> sensitive, int round)
    {
        int K(int row) => sensitive.Contains(row) ? 10 : 5;
        foreach (var (cell, row) in AllFigures(table))
        {
            var k = row >= 0 ? K(row) : 5;
            Assert.False(cell.State == CellState.Shown && cell.Value is > 0 && cell.Value < k, $"round {round}: {cell.Value} shown with k = {k}\n{Describe(counts, table)}");
            Assert.False(cell.State == CellState.Complementary && cell.Value == 0, $"round {round}: a zero was hidden");
            Assert.False(cell.State == CellState.Small && (cell.Value < 1 || cell.Value >= k), $"round {round}: {cell.Value} marked small with k = {k}");
        }
    }

    private static IEnumerable<(PublishedCell Cell, int Row)> AllFigures(SuppressedTable table)
    {
        for (var r = 0; r < table.Rows; r++)
        {
            for (var c = 0; c < table.Columns; c++)
            {
                yield return (table.Cells[r, c], r);
            }

            yield return (table.RowTotals[r], r);
        }

        // In a one-row table the column totals and the grand total are that row's figures.
        foreach (var total in table.ColumnTotals)
        {
            yield return (total, table.Rows == 1 ? 0 : -1);
        }

        yield return (table.GrandTotal, table.Rows == 1 ? 0 : -1);
    }

    private static string Describe(long[,] counts, SuppressedTable table)
    {
        var lines = new List<string>();
        for (var r = 0; r < table.Rows; r++)
        {
            lines.Add(string.Join(" ", Enumerable.Range(0, table.Columns).Select(c => $"{counts[r, c],3}={table.Cells[r, c].Shown,-4}")) + $" | {table.RowTotals[r].Shown}");
        }

        lines.Add(string.Join(" ", table.ColumnTotals.Select(t => $"    {t.Shown,-4}")) + $" | {table.GrandTotal.Shown}");
        return string.Join("\n", lines);
    }

    /// <summary>
    /// For each hidden figure, searches every table consistent with what was published for one where that figure has
    /// another value (exhaustively when there is none). Unknown cells go up to the largest count + 2: capping can only
    /// make a figure look more recoverable, never less, so a table that passes with the cap passes without it.
    /// </summary>
    private static class BruteForce
    {
        public static string? Check(long[,] counts, SuppressedTable table, IReadOnlySet<int> sensitive, bool generous = false)
        {
            _ = sensitive; // the thresholds are in the published cells
            foreach (var (name, differs) in HiddenFigures(counts, table))
            {
                if (!new Search(counts, table, differs, generous).Run())
                {
                    return $"{name} is recoverable: no consistent table gives it another value";
                }
            }

            return null;
        }

        /// <summary>Each hidden figure, with a test that a candidate table gives it a value other than the true one.</summary>
        private static IEnumerable<(string Name, Func<long[,], bool> Differs)> HiddenFigures(long[,] counts, SuppressedTable table)
        {
            long Row(long[,] v, int r) => Enumerable.Range(0, table.Columns).Sum(c => v[r, c]);
            long Column(long[,] v, int c) => Enumerable.Range(0, table.Rows).Sum(r => v[r, c]);
            long All(long[,] v) => Enumerable.Range(0, table.Rows).Sum(r => Row(v, r));
            for (var r = 0; r < table.Rows; r++)
            {
                for (var c = 0; c < table.Columns; c++)
                {
                    var (row, column) = (r, c);
                    if (table.Cells[r, c].Hidden)
                    {
                        yield return ($"cell {r},{c}", v => v[row, column] != counts[row, column]);
                    }
                }

                var line = r;
                if (table.RowTotals[r].Hidden)
                {
                    yield return ($"row total {r}", v => Row(v, line) != Row(counts, line));
                }
            }

            for (var c = 0; c < table.Columns; c++)
            {
                var line = c;
                if (table.ColumnTotals[c].Hidden)
                {
                    yield return ($"column total {c}", v => Column(v, line) != Column(counts, line));
                }
            }

            if (table.GrandTotal.Hidden)
            {
                yield return ("grand total", v => All(v) != All(counts));
            }
        }

        private sealed class Search(long[,] counts, SuppressedTable table, Func<long[,], bool> differs, bool generous)
        {
            private readonly long[,] _values = new long[table.Rows, table.Columns];
            private readonly long _cap = generous ? counts.Cast<long>().Sum() + 6 : Math.Max(2, counts.Cast<long>().DefaultIfEmpty(0).Max() + 2);
            private long _budget = 20_000_000;

            public bool Run() => Fill(0);

            private (long Low, long High) Range(PublishedCell cell, bool total) => cell.State switch
            {
                CellState.Shown => (cell.Value, cell.Value),
                CellState.Small => (1, cell.Threshold - 1),
                _ => (1, total ? long.MaxValue / 4 : _cap),
            };

            private bool Fits(PublishedCell published, long value)
            {
                var (low, high) = Range(published, total: true);
                return value >= low && value <= high;
            }

            private bool Fill(int index)
            {
                if (--_budget < 0)
                {
                    throw new InvalidOperationException("table too large for the brute force");
                }

                var rows = table.Rows;
                var columns = table.Columns;
                if (index == rows * columns)
                {
                    var total = 0L;
                    for (var r = 0; r < rows; r++)
                    {
                        for (var c = 0; c < columns; c++)
                        {
                            total += _values[r, c];
                        }
                    }

                    return Fits(table.GrandTotal, total) && differs(_values);
                }

                var row = index / columns;
                var column = index % columns;
                var (low, high) = Range(table.Cells[row, column], total: false);
                var partialRow = Enumerable.Range(0, column).Sum(c => _values[row, c]);
                var partialColumn = Enumerable.Range(0, row).Sum(r => _values[r, column]);
                high = Math.Min(high, Range(table.RowTotals[row], total: true).High - partialRow);
                high = Math.Min(high, Range(table.ColumnTotals[column], total: true).High - partialColumn);
                if (column == columns - 1 && table.RowTotals[row].State == CellState.Shown)
                {
                    low = Math.Max(low, table.RowTotals[row].Value - partialRow);
                    high = Math.Min(high, table.RowTotals[row].Value - partialRow);
                }

                if (row == rows - 1 && table.ColumnTotals[column].State == CellState.Shown)
                {
                    low = Math.Max(low, table.ColumnTotals[column].Value - partialColumn);
                    high = Math.Min(high, table.ColumnTotals[column].Value - partialColumn);
                }

                // Values nearest the true one first: an alternative table is usually a small shift away.
                var truth = counts[row, column];
                for (var distance = 0L; truth - distance >= low || truth + distance <= high; distance++)
                {
                    foreach (var v in distance == 0 ? [truth] : new[] { truth - distance, truth + distance })
                    {
                        if (v < low || v > high)
                        {
                            continue;
                        }

                        _values[row, column] = v;
                        if (column == columns - 1 && !Fits(table.RowTotals[row], partialRow + v))
                        {
                            continue;
                        }

                        if (row == rows - 1 && !Fits(table.ColumnTotals[column], partialColumn + v))
                        {
                            continue;
                        }

                        if (Fill(index + 1))
                        {
                            return true;
                        }
                    }
                }

                return false;
            }
        }
    }
}
