namespace OimBot.Analytics.Tests;

/// <summary>
/// R19 small-cell suppression: worked examples, then a property over thousands of random tables of up to 4 × 4 checked
/// by an attacker written here from scratch (it shares nothing with the flow model Apply uses).
/// </summary>
public class SuppressionTests
{
    /// <summary>
    /// Each expected table is its rows, each ending with the row total, then one more line of column totals ending with
    /// the grand total: exactly what a reader of the published table sees.
    /// </summary>
    public static TheoryData<string, long[][], int[], string[][]> Examples => new()
    {
        {
            "all zero: nothing to hide",
            [[0, 0, 0], [0, 0, 0]], [],
            [["0", "0", "0", "0"], ["0", "0", "0", "0"], ["0", "0", "0", "0"]]
        },
        {
            "one small cell: the cheapest rectangle through it (one more cell in its row, one in its column, one where they cross); totals stay",
            [[3, 30, 25], [20, 40, 18], [15, 22, 50]], [],
            [["<5", "30", "•", "58"], ["•", "40", "•", "78"], ["15", "22", "50", "87"], ["38", "92", "93", "223"]]
        },
        {
            "a sensitive row hides up to 9; the 7 below it is hidden too, or the column total would give it away",
            [[7, 40, 12], [7, 40, 12]], [0],
            [["<10", "40", "•", "59"], ["•", "40", "•", "59"], ["14", "80", "24", "118"]]
        },
        {
            "a single cell: its totals are the same figure",
            [[3]], [],
            [["<5", "<5"], ["<5", "<5"]]
        },
        {
            "zeros are shown, never used as complementary cells",
            [[0, 12, 0], [0, 30, 9]], [],
            [["0", "12", "0", "12"], ["0", "30", "9", "39"], ["0", "42", "9", "51"]]
        },
        {
            "a small cell whose row partner is a zero: its row total is <5 too, and the rectangle closes on a cell and a row total",
            [[2, 0], [0, 30], [11, 14]], [],
            [["<5", "0", "<5"], ["0", "30", "30"], ["•", "14", "•"], ["13", "44", "57"]]
        },
        {
            "four <5 cells in a row whose total is under 5 can only be 1 each: the total is shown as • (at least 1) instead",
            [[1, 1, 1, 1]], [],
            [["<5", "<5", "<5", "<5", "•"], ["<5", "<5", "<5", "<5", "•"]]
        },
        {
            "the same down a column of weeks: four weeks of one person each",
            [[1], [0], [1], [1], [1]], [],
            [["<5", "<5"], ["0", "0"], ["<5", "<5"], ["<5", "<5"], ["<5", "<5"], ["•", "•"]]
        },
        {
            "a sensitive one-row table: the row's k is its totals' k too",
            [[7, 40]], [0],
            [["<10", "•", "47"], ["<10", "•", "47"]]
        },
        {
            "large counts: unchanged, thousands grouped",
            [[1200, 35, 10], [5, 99, 48000], [17, 5, 6], [640, 22, 11]], [],
            [["1,200", "35", "10", "1,245"], ["5", "99", "48,000", "48,104"], ["17", "5", "6", "28"], ["640", "22", "11", "673"], ["1,862", "161", "48,027", "50,050"]]
        },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void Examples_AreSuppressedAsExpected(string name, long[][] values, int[] sensitiveRows, string[][] expected)
    {
        var counts = ToArray(values);
        var sensitive = sensitiveRows.ToHashSet();

        var table = Suppression.Apply(counts, sensitive);

        Assert.True(expected.SequenceEqual(Published(table), new LineComparer()), $"{name}\nexpected\n{string.Join("\n", expected.Select(l => string.Join(" ", l)))}\nactual\n{Describe(counts, table)}");
        Assert.Null(Attacker.FirstRecoverable(table, Cap(counts)));
    }

    [Fact]
    public void AnEmptyTable_IsPublishedEmpty()
    {
        var noRows = Suppression.Apply(new long[0, 1]);
        Assert.Empty(noRows.RowTotals);
        Assert.Equal("0", noRows.GrandTotal.Shown);
        Assert.Equal("0", Suppression.Apply(new long[0, 0]).GrandTotal.Shown);
    }

    [Fact]
    public void ATableWithNoSmallCount_IsPublishedUnchanged()
    {
        var random = new Random(5);
        for (var round = 0; round < 300; round++)
        {
            var counts = RandomTable(random, small: false);
            var table = Suppression.Apply(counts);
            Assert.DoesNotContain(Figures(table), f => f.Cell.Hidden);
        }
    }

    /// <summary>
    /// The property, over 2,000 random tables (of 1 to 4 rows and columns, or 1 or 2 lines of 5 to 7) where zeros and
    /// counts of 1 to 9 (ones and twos especially) are common and any row may be sensitive: (a) nothing shown is between 1 and k-1, a "&lt;k" is a count of 1 to k-1 and a "•" is
    /// never a zero; (b) every hidden cell and total takes at least two values among the tables an attacker can
    /// rebuild from what is published.
    /// </summary>
    [Fact]
    public void RandomTables_PublishNoSmallCount_AndNoHiddenFigureIsRecoverable()
    {
        var random = new Random(1122);
        var withComplementary = 0;
        var withHiddenTotal = 0;
        for (var round = 0; round < 2000; round++)
        {
            var counts = RandomTable(random, small: true);
            var sensitive = Enumerable.Range(0, counts.GetLength(0)).Where(_ => random.Next(3) == 0).ToHashSet();

            var table = Suppression.Apply(counts, sensitive);

            foreach (var (cell, k, where) in Figures(table, counts, sensitive))
            {
                Assert.False(cell.State == CellState.Shown && cell.Value >= 1 && cell.Value < k, $"round {round}: {where} = {cell.Value} is shown, k = {k}\n{Describe(counts, table)}");
                Assert.False(cell.State == CellState.Small && (cell.Value < 1 || cell.Value >= k || cell.Threshold != k), $"round {round}: {where} = {cell.Value} is shown as {cell.Shown}, k = {k}\n{Describe(counts, table)}");
                Assert.False(cell.State == CellState.Complementary && cell.Value < 1, $"round {round}: {where} is a zero hidden as •\n{Describe(counts, table)}");
            }

            string? leak;
            try
            {
                leak = Attacker.FirstRecoverable(table, Cap(counts));
            }
            catch (InvalidOperationException e)
            {
                leak = e.Message;
            }

            Assert.True(leak is null, $"round {round}: {leak}\n{Describe(counts, table)}");
            withComplementary += Figures(table).Any(f => f.Cell.State == CellState.Complementary) ? 1 : 0;
            withHiddenTotal += table.RowTotals.Concat(table.ColumnTotals).Append(table.GrandTotal).Any(t => t.Hidden) && table.Rows > 1 && table.Columns > 1 ? 1 : 0;
        }

        Assert.True(withComplementary > 300, $"only {withComplementary} tables needed complementary cells: the generator is too easy");
        Assert.True(withHiddenTotal > 20, $"only {withHiddenTotal} tables of 2 × 2 or more hid a total: the generator misses that case");
    }

    /// <summary>The attacker itself: it must find what is recoverable, or the property above proves nothing.</summary>
    [Fact]
    public void TheAttacker_RecoversWhatNaiveSuppressionLeaks()
    {
        // Only the small cell hidden: the row total gives it away.
        Assert.Equal("cell 0,0", Attacker.FirstRecoverable(Handmade([["<5:3", "30"], ["20", "40"]]), 100));

        // A hidden total whose line is all shown: it is the sum of the line.
        Assert.Equal("row total 1", Attacker.FirstRecoverable(Handmade([["30", "40"], ["20", "40"]], hiddenRowTotal: 1), 100));

        // Two hidden cells in a 2 × 2 with every total shown: each is its total minus the other cell.
        Assert.NotNull(Attacker.FirstRecoverable(Handmade([["<5:3", "•:30"], ["20", "40"]]), 100));

        // A hidden rectangle: each corner can move by one around the cycle.
        Assert.Null(Attacker.FirstRecoverable(Handmade([["<5:3", "•:30"], ["•:20", "•:40"]]), 100));

        // "<5" cells that must add up to 2: both are 1.
        Assert.Equal("cell 0,0", Attacker.FirstRecoverable(Handmade([["<5:1"], ["<5:1"], ["50"]]), 100));
    }

    private static long Cap(long[,] counts) => counts.Cast<long>().Sum() + 10;

    private static long[,] RandomTable(Random random, bool small)
    {
        // Mostly up to 4 × 4; one table in four is a long thin one (1 or 2 lines of 5 to 7), like weeks or channels.
        // Thin tables are mostly zeros and ones: several "<5" on one line whose total is "<5" pin each other down.
        var thin = small && random.Next(4) == 0;
        var (rows, columns) = !thin ? (random.Next(1, 5), random.Next(1, 5))
            : random.Next(2) == 0 ? (random.Next(1, 3), random.Next(5, 8)) : (random.Next(5, 8), random.Next(1, 3));
        var counts = new long[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                counts[r, c] = !small ? (random.Next(4) == 0 ? 0 : random.Next(10, 60)) : thin ? random.Next(10) switch
                {
                    < 4 => 0,
                    < 7 => 1,
                    _ => random.Next(2, 26),
                }
                : random.Next(20) switch
                {
                    < 6 => 0,
                    < 10 => random.Next(1, 3), // ones and twos: several "<5" in a line can pin each other down
                    < 13 => random.Next(3, 10),
                    _ => random.Next(10, 26),
                };
            }
        }

        return counts;
    }

    private static long[,] ToArray(long[][] values)
    {
        var counts = new long[values.Length, values[0].Length];
        for (var r = 0; r < values.Length; r++)
        {
            for (var c = 0; c < values[0].Length; c++)
            {
                counts[r, c] = values[r][c];
            }
        }

        return counts;
    }

    /// <summary>A published table written by hand: "40" shown, "&lt;5:3" a small 3, "•:30" a complementary 30.</summary>
    private static SuppressedTable Handmade(string[][] cells, int hiddenRowTotal = -1)
    {
        static PublishedCell Parse(string text) => text.Split(':') switch
        {
            ["<5", var v] => new PublishedCell(long.Parse(v), CellState.Small, 5),
            ["•", var v] => new PublishedCell(long.Parse(v), CellState.Complementary, 5),
            [var v] => new PublishedCell(long.Parse(v), CellState.Shown, 5),
            _ => throw new ArgumentException(text, nameof(cells)),
        };

        var rows = cells.Length;
        var columns = cells[0].Length;
        var grid = new PublishedCell[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                grid[r, c] = Parse(cells[r][c]);
            }
        }

        PublishedCell Total(long value, bool hidden) => new(value, hidden ? CellState.Complementary : CellState.Shown, 5);
        var rowTotals = Enumerable.Range(0, rows).Select(r => Total(Enumerable.Range(0, columns).Sum(c => grid[r, c].Value), r == hiddenRowTotal)).ToArray();
        var columnTotals = Enumerable.Range(0, columns).Select(c => Total(Enumerable.Range(0, rows).Sum(r => grid[r, c].Value), false)).ToArray();
        return new SuppressedTable(grid, rowTotals, columnTotals, Total(rowTotals.Sum(t => t.Value), false));
    }

    private static IEnumerable<string[]> Published(SuppressedTable table)
    {
        for (var r = 0; r < table.Rows; r++)
        {
            yield return [.. Enumerable.Range(0, table.Columns).Select(c => table.Cells[r, c].Shown), table.RowTotals[r].Shown];
        }

        yield return [.. table.ColumnTotals.Select(t => t.Shown), table.GrandTotal.Shown];
    }

    private static IEnumerable<(PublishedCell Cell, string Where)> Figures(SuppressedTable table) =>
        Figures(table, new long[table.Rows, table.Columns], new HashSet<int>()).Select(f => (f.Cell, f.Where));

    /// <summary>Every figure with its k: a row's cells and total use the row's k; a column total or the grand total uses 5, unless the table has one row, when they are that row's figures.</summary>
    private static IEnumerable<(PublishedCell Cell, int K, string Where)> Figures(SuppressedTable table, long[,] counts, HashSet<int> sensitive)
    {
        _ = counts;
        int K(int row) => sensitive.Contains(row) ? 10 : 5;
        for (var r = 0; r < table.Rows; r++)
        {
            for (var c = 0; c < table.Columns; c++)
            {
                yield return (table.Cells[r, c], K(r), $"cell {r},{c}");
            }

            yield return (table.RowTotals[r], K(r), $"row total {r}");
        }

        var totalK = table.Rows == 1 ? K(0) : 5;
        for (var c = 0; c < table.Columns; c++)
        {
            yield return (table.ColumnTotals[c], totalK, $"column total {c}");
        }

        yield return (table.GrandTotal, totalK, "grand total");
    }

    private static string Describe(long[,] counts, SuppressedTable table)
    {
        var lines = new List<string>();
        for (var r = 0; r < table.Rows; r++)
        {
            lines.Add(string.Join(" ", Enumerable.Range(0, table.Columns).Select(c => $"{counts[r, c],3}={table.Cells[r, c].Shown,-4}")) + $" | {table.RowTotals[r].Value}={table.RowTotals[r].Shown}");
        }

        lines.Add(string.Join(" ", table.ColumnTotals.Select(t => $"{t.Value,3}={t.Shown,-4}")) + $" | {table.GrandTotal.Value}={table.GrandTotal.Shown}");
        return string.Join("\n", lines);
    }

    private sealed class LineComparer : IEqualityComparer<string[]>
    {
        public bool Equals(string[]? x, string[]? y) => x is not null && y is not null && x.SequenceEqual(y, StringComparer.Ordinal);

        public int GetHashCode(string[] obj) => obj.Length;
    }

    /// <summary>
    /// What someone reading the table can work out. They know each shown figure exactly, that a "&lt;k" is 1 to k-1, that
    /// a "•" is at least 1, that every count is a whole number, and that each row, each column and the whole table add up
    /// to their totals. A hidden figure is safe when at least two values of it occur among the whole-number tables that
    /// fit all of that: the search looks for a fitting table where it is below its true value, then for one where it is
    /// above. The search is exhaustive over the hidden cells (none above <c>cap</c>, which can only make a figure look
    /// less safe, never more): it splits a cell's range and drops a branch once some row, column or total can no longer
    /// add up, so "no such table" is a proof, not a guess.
    /// </summary>
    private static class Attacker
    {
        /// <summary>The first hidden figure that has only one possible value; null when every hidden figure has two or more.</summary>
        public static string? FirstRecoverable(SuppressedTable table, long cap)
        {
            var rows = table.Rows;
            var columns = table.Columns;
            var unbounded = cap * rows * columns;

            // The unknowns: every cell, then the row totals, the column totals and the grand total.
            var figures = new List<(string Name, PublishedCell Cell, long High)>();
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    figures.Add(($"cell {r},{c}", table.Cells[r, c], cap));
                }
            }

            int Cell(int r, int c) => (r * columns) + c;
            int RowTotal(int r) => (rows * columns) + r;
            int ColumnTotal(int c) => (rows * columns) + rows + c;
            var grand = (rows * columns) + rows + columns;
            figures.AddRange(table.RowTotals.Select((t, r) => ($"row total {r}", t, unbounded)));
            figures.AddRange(table.ColumnTotals.Select((t, c) => ($"column total {c}", t, unbounded)));
            figures.Add(("grand total", table.GrandTotal, unbounded));

            var lines = new List<(int[] Parts, int Total)>();
            lines.AddRange(Enumerable.Range(0, rows).Select(r => (Enumerable.Range(0, columns).Select(c => Cell(r, c)).ToArray(), RowTotal(r))));
            lines.AddRange(Enumerable.Range(0, columns).Select(c => (Enumerable.Range(0, rows).Select(r => Cell(r, c)).ToArray(), ColumnTotal(c))));
            lines.Add((Enumerable.Range(0, rows).Select(RowTotal).ToArray(), grand));
            lines.Add((Enumerable.Range(0, columns).Select(ColumnTotal).ToArray(), grand));

            var low = figures.Select(f => f.Cell.State switch { CellState.Shown => f.Cell.Value, _ => 1L }).ToArray();
            var high = figures.Select(f => f.Cell.State switch { CellState.Shown => f.Cell.Value, CellState.Small => f.Cell.Threshold - 1L, _ => f.High }).ToArray();
            var truth = figures.Select(f => f.Cell.Value).ToArray();
            var search = new Search(lines, rows * columns, truth);

            // The true table must fit what is published, or the table itself is wrong.
            if (!search.Exists(low, high))
            {
                return "the true table does not fit what is published";
            }

            for (var i = 0; i < figures.Count; i++)
            {
                if (!figures[i].Cell.Hidden)
                {
                    continue;
                }

                var lower = low[i] <= truth[i] - 1 && search.Exists(low, With(high, i, truth[i] - 1));
                var higher = !lower && truth[i] + 1 <= high[i] && search.Exists(With(low, i, truth[i] + 1), high);
                if (!lower && !higher)
                {
                    return figures[i].Name;
                }
            }

            return null;

            static long[] With(long[] bounds, int index, long value)
            {
                var copy = (long[])bounds.Clone();
                copy[index] = value;
                return copy;
            }
        }

        /// <summary>Is there a whole-number table within the bounds? Exhaustive, with interval pruning.</summary>
        private sealed class Search(List<(int[] Parts, int Total)> lines, int cells, long[] truth)
        {
            private const long Budget = 2_000_000;
            private long _steps;

            public bool Exists(long[] low, long[] high) => Split((long[])low.Clone(), (long[])high.Clone());

            private bool Split(long[] low, long[] high)
            {
                if (++_steps > Budget)
                {
                    throw new InvalidOperationException("the table is too large to search");
                }

                if (!Narrow(low, high))
                {
                    return false;
                }

                // The open cell with the narrowest range; none left means every cell is fixed, and Narrow checked the sums.
                var open = -1;
                for (var i = 0; i < cells; i++)
                {
                    if (low[i] < high[i] && (open < 0 || high[i] - low[i] < high[open] - low[open]))
                    {
                        open = i;
                    }
                }

                if (open < 0)
                {
                    return Adds(low);
                }

                // The true value on its own first (a fitting table is usually near the truth), then the ranges either side
                // of it; away from the truth, halves.
                var (l, h, t) = (low[open], high[open], truth[open]);
                var parts = t >= l && t <= h
                    ? new[] { (t, t), (t + 1, h), (l, t - 1) }
                    : t < l ? [(l, l + ((h - l) / 2)), (l + ((h - l) / 2) + 1, h)] : [(l + ((h - l) / 2) + 1, h), (l, l + ((h - l) / 2))];
                foreach (var (from, to) in parts)
                {
                    if (from > to)
                    {
                        continue;
                    }

                    var nextLow = (long[])low.Clone();
                    var nextHigh = (long[])high.Clone();
                    (nextLow[open], nextHigh[open]) = (from, to);
                    if (Split(nextLow, nextHigh))
                    {
                        return true;
                    }
                }

                return false;
            }

            /// <summary>
            /// Tightens every range against every line (parts add up to the total) until nothing changes; false when some
            /// range becomes empty, that is when no table within these bounds adds up.
            /// </summary>
            private bool Narrow(long[] low, long[] high)
            {
                for (var changed = true; changed;)
                {
                    changed = false;
                    foreach (var (parts, total) in lines)
                    {
                        var sumLow = parts.Sum(p => low[p]);
                        var sumHigh = parts.Sum(p => high[p]);
                        changed |= Tighten(low, high, total, sumLow, sumHigh);
                        if (low[total] > high[total])
                        {
                            return false;
                        }

                        foreach (var p in parts)
                        {
                            changed |= Tighten(low, high, p, low[total] - (sumHigh - high[p]), high[total] - (sumLow - low[p]));
                            if (low[p] > high[p])
                            {
                                return false;
                            }
                        }
                    }
                }

                return true;

                static bool Tighten(long[] low, long[] high, int index, long atLeast, long atMost)
                {
                    var changed = false;
                    if (atLeast > low[index])
                    {
                        low[index] = atLeast;
                        changed = true;
                    }

                    if (atMost < high[index])
                    {
                        high[index] = atMost;
                        changed = true;
                    }

                    return changed;
                }
            }

            /// <summary>With every cell fixed: each line adds up exactly.</summary>
            private bool Adds(long[] values) => lines.All(line =>
            {
                var sum = line.Parts.Sum(p => values[p]);
                return sum >= values[line.Total] && sum <= values[line.Total];
            });
        }
    }
}
