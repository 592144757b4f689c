using System.Globalization;

namespace OimBot.Analytics;

public enum CellState
{
    Shown,

    /// <summary>A count from 1 to k-1: shown as "&lt;k".</summary>
    Small,

    /// <summary>Hidden so that a small cell cannot be worked out from the totals: shown as "•".</summary>
    Complementary,
}

public sealed record PublishedCell(long Value, CellState State, int Threshold)
{
    public string Shown => State switch
    {
        CellState.Small => $"<{Threshold}",
        CellState.Complementary => "•",
        _ => Value.ToString("N0", CultureInfo.InvariantCulture),
    };

    public bool Hidden => State != CellState.Shown;
}

/// <summary>
/// A table of counts with row totals, column totals and a grand total, after small-cell suppression (R19): counts of 1
/// to k-1 are shown as "&lt;k" (k = 5, or 10 for sensitive rows), zero is shown, and complementary cells (then totals)
/// are hidden until no hidden cell can be worked out from what is published.
/// </summary>
public sealed class SuppressedTable
{
    internal SuppressedTable(PublishedCell[,] cells, PublishedCell[] rowTotals, PublishedCell[] columnTotals, PublishedCell grandTotal)
    {
        Cells = cells;
        RowTotals = rowTotals;
        ColumnTotals = columnTotals;
        GrandTotal = grandTotal;
    }

    public PublishedCell[,] Cells { get; }

    public PublishedCell[] RowTotals { get; }

    public PublishedCell[] ColumnTotals { get; }

    public PublishedCell GrandTotal { get; }

    public int Rows => Cells.GetLength(0);

    public int Columns => Cells.GetLength(1);
}

public static class Suppression
{
    public const int Threshold = 5;
    public const int SensitiveThreshold = 10;

    /// <param name="counts">rows × columns of counts (non-negative).</param>
    /// <param name="sensitiveRows">rows about trafficking, violence or danger: k = 10.</param>
    /// <param name="withTotals">
    /// The table is published with its row, column and grand totals (the default). When false, no total of it is
    /// published anywhere (they are returned hidden), so no complementary cell is needed: nothing adds up to anything.
    /// </param>
    public static SuppressedTable Apply(long[,] counts, IReadOnlySet<int>? sensitiveRows = null, bool withTotals = true)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var rows = counts.GetLength(0);
        var columns = counts.GetLength(1);
        int K(int row) => sensitiveRows?.Contains(row) == true ? SensitiveThreshold : Threshold;

        var state = new CellState[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                state[r, c] = counts[r, c] > 0 && counts[r, c] < K(r) ? CellState.Small : CellState.Shown;
            }
        }

        var rowTotals = Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, columns).Sum(c => counts[r, c])).ToArray();
        var columnTotals = Enumerable.Range(0, columns).Select(c => Enumerable.Range(0, rows).Sum(r => counts[r, c])).ToArray();
        var grand = rowTotals.Sum();
        var rowTotalState = rowTotals.Select((t, r) => t > 0 && t < K(r) ? CellState.Small : CellState.Shown).ToArray();
        var columnTotalState = columnTotals.Select(t => t > 0 && t < Threshold ? CellState.Small : CellState.Shown).ToArray();
        var grandState = grand > 0 && grand < Threshold ? CellState.Small : CellState.Shown;

        if (!withTotals)
        {
            rowTotalState = [.. rowTotals.Select(t => t > 0 ? CellState.Complementary : CellState.Shown)];
            columnTotalState = [.. columnTotals.Select(t => t > 0 ? CellState.Complementary : CellState.Shown)];
            grandState = grand > 0 ? CellState.Complementary : CellState.Shown;
        }

        // Hide more cells until no hidden value is determined by what is published. Each round hides one more
        // non-zero cell or total, so this ends; if nothing is left to hide, everything non-zero is hidden.
        for (var guard = 0; withTotals; guard++)
        {
            Mirror(state, rowTotalState, columnTotalState, ref grandState);
            var exposed = Disclosure.FirstDetermined(counts, state, rowTotals, rowTotalState, columnTotals, columnTotalState, grand, grandState, K);
            if (exposed is null)
            {
                break;
            }

            if (guard > (rows + 1) * (columns + 1) || !HideAnother(counts, state, rowTotals, rowTotalState, columnTotals, columnTotalState, grand, ref grandState, exposed.Value, K))
            {
                HideEverything(counts, state, rowTotals, rowTotalState, columnTotals, columnTotalState, grand, ref grandState);
                break;
            }
        }

        PublishedCell Cell(long value, CellState s, int k) => new(value, s, k);
        var cells = new PublishedCell[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                cells[r, c] = Cell(counts[r, c], state[r, c], K(r));
            }
        }

        return new SuppressedTable(
            cells,
            [.. rowTotals.Select((t, r) => Cell(t, rowTotalState[r], K(r)))],
            [.. columnTotals.Select((t, c) => Cell(t, columnTotalState[c], rows == 1 ? K(0) : Threshold))],
            Cell(grand, grandState, rows == 1 ? K(0) : Threshold));
    }

    /// <summary>
    /// In a one-column table each row total is its cell (and in a one-row table each column total): they are one figure,
    /// published or hidden together.
    /// </summary>
    private static void Mirror(CellState[,] state, CellState[] rowTotalState, CellState[] columnTotalState, ref CellState grandState)
    {
        var rows = state.GetLength(0);
        var columns = state.GetLength(1);
        if (columns == 1)
        {
            for (var r = 0; r < rows; r++)
            {
                Same(ref state[r, 0], ref rowTotalState[r]);
            }
        }

        if (rows == 1)
        {
            for (var c = 0; c < columns; c++)
            {
                Same(ref state[0, c], ref columnTotalState[c]);
            }

            // One row: the grand total is that row's total.
            Same(ref rowTotalState[0], ref grandState);
        }

        if (columns == 1 && rows > 0)
        {
            // One column: the grand total is that column's total.
            Same(ref columnTotalState[0], ref grandState);
        }

        // One figure shown in two places is hidden in both as soon as it is hidden in one.
        static void Same(ref CellState a, ref CellState b)
        {
            if (a == CellState.Shown && b != CellState.Shown)
            {
                a = b;
            }
            else if (b == CellState.Shown && a != CellState.Shown)
            {
                b = a;
            }
        }
    }

    /// <summary>
    /// Hides one more published, non-zero figure on a line through the exposed one: a cell or a total of those lines.
    /// Each candidate is tried; the one that leaves the fewest figures exposed wins, then the smallest (the least loss).
    /// Never a zero: "•" always means at least 1.
    /// </summary>
    private static bool HideAnother(long[,] counts, CellState[,] state, long[] rowTotals, CellState[] rowTotalState, long[] columnTotals, CellState[] columnTotalState, long grand, ref CellState grandState, (int Row, int Column) exposed, Func<int, int> k)
    {
        var rows = counts.GetLength(0);
        var columns = counts.GetLength(1);

        // (row, column) with -1 for a total, as Disclosure reports them.
        var candidates = new HashSet<(int Row, int Column)>();
        void Cell(int r, int c)
        {
            if (state[r, c] == CellState.Shown && counts[r, c] > 0)
            {
                candidates.Add((r, c));
            }
        }

        void RowTotal(int r)
        {
            if (rowTotalState[r] == CellState.Shown && rowTotals[r] > 0)
            {
                candidates.Add((r, -1));
            }
        }

        void ColumnTotal(int c)
        {
            if (columnTotalState[c] == CellState.Shown && columnTotals[c] > 0)
            {
                candidates.Add((-1, c));
            }
        }

        var grandShown = grandState == CellState.Shown && grand > 0;
        var grandStateCopy = grandState;
        var (er, ec) = exposed;
        if (er >= 0)
        {
            // its row's cells; its row total, or (for a row total) the other row totals that add up to the grand total
            Enumerable.Range(0, columns).ToList().ForEach(column => Cell(er, column));
            Enumerable.Range(0, rows).Where(row => ec >= 0 ? row == er : true).ToList().ForEach(RowTotal);
        }

        if (ec >= 0)
        {
            Enumerable.Range(0, rows).ToList().ForEach(row => Cell(row, ec));
            Enumerable.Range(0, columns).Where(column => er >= 0 ? column == ec : true).ToList().ForEach(ColumnTotal);
        }

        if (er < 0 && ec < 0)
        {
            Enumerable.Range(0, rows).ToList().ForEach(RowTotal);
            Enumerable.Range(0, columns).ToList().ForEach(ColumnTotal);
        }

        long Value((int Row, int Column) p) => p switch
        {
            ( >= 0, >= 0) => counts[p.Row, p.Column],
            ( >= 0, _) => rowTotals[p.Row],
            (_, >= 0) => columnTotals[p.Column],
            _ => grand,
        };

        // A small cell in a table with margins is best covered by a rectangle: three more cells on its row, its column and
        // where they cross, so every line through them keeps two hidden cells (the classic hypercube method). The
        // cheapest rectangles are tried first; a rectangle wins if it leaves fewer figures exposed than any single cell.
        if (er >= 0 && ec >= 0 && rows > 1 && columns > 1)
        {
            bool Usable(int r, int c) => state[r, c] != CellState.Shown || counts[r, c] > 0;
            long Cost(int r, int c) => state[r, c] == CellState.Shown ? counts[r, c] : 0;
            var rectangles = (
                from r2 in Enumerable.Range(0, rows)
                from c2 in Enumerable.Range(0, columns)
                where r2 != er && c2 != ec && Usable(er, c2) && Usable(r2, ec) && Usable(r2, c2)
                let cost = Cost(er, c2) + Cost(r2, ec) + Cost(r2, c2)
                where cost > 0
                orderby cost, r2, c2
                select (Corners: new[] { (er, c2), (r2, ec), (r2, c2) }, Cost: cost)).Take(12).ToList();
            foreach (var (corners, _) in rectangles)
            {
                if (Left(corners, stopAfter: 1) == 0)
                {
                    Hide(state, rowTotalState, columnTotalState, corners);
                    return true;
                }
            }
        }

        var ordered = candidates.OrderBy(Value).ThenBy(p => p.Row).ThenBy(p => p.Column).Take(16).ToList();
        if (ordered.Count == 0)
        {
            if (!grandShown)
            {
                return false;
            }

            grandState = CellState.Complementary;
            return true;
        }

        (int Row, int Column) best = ordered[0];
        var fewest = int.MaxValue;
        foreach (var candidate in ordered)
        {
            var left = Left([candidate], stopAfter: fewest);
            if (left < fewest)
            {
                (best, fewest) = (candidate, left);
                if (fewest == 0)
                {
                    break;
                }
            }
        }

        Hide(state, rowTotalState, columnTotalState, [best]);
        return true;

        // How many figures would still be exposed with these hidden too (counting stops at stopAfter).
        int Left((int Row, int Column)[] figures, int stopAfter)
        {
            var trial = (CellState[,])state.Clone();
            var trialRows = (CellState[])rowTotalState.Clone();
            var trialColumns = (CellState[])columnTotalState.Clone();
            var trialGrand = grandStateCopy;
            Hide(trial, trialRows, trialColumns, figures);
            Mirror(trial, trialRows, trialColumns, ref trialGrand);
            return Disclosure.Determined(counts, trial, rowTotals, trialRows, columnTotals, trialColumns, grand, trialGrand, k, stopAfter).Count;
        }

        static CellState Hidden(CellState state) => state == CellState.Shown ? CellState.Complementary : state;

        static void Hide(CellState[,] cells, CellState[] rowStates, CellState[] columnStates, (int Row, int Column)[] figures)
        {
            foreach (var (r, c) in figures)
            {
                if (r >= 0 && c >= 0)
                {
                    cells[r, c] = Hidden(cells[r, c]);
                }
                else if (r >= 0)
                {
                    rowStates[r] = Hidden(rowStates[r]);
                }
                else
                {
                    columnStates[c] = Hidden(columnStates[c]);
                }
            }
        }
    }

    private static void HideEverything(long[,] counts, CellState[,] state, long[] rowTotals, CellState[] rowTotalState, long[] columnTotals, CellState[] columnTotalState, long grand, ref CellState grandState)
    {
        for (var r = 0; r < counts.GetLength(0); r++)
        {
            for (var c = 0; c < counts.GetLength(1); c++)
            {
                state[r, c] = Hide(counts[r, c], state[r, c]);
            }

            rowTotalState[r] = Hide(rowTotals[r], rowTotalState[r]);
        }

        for (var c = 0; c < columnTotals.Length; c++)
        {
            columnTotalState[c] = Hide(columnTotals[c], columnTotalState[c]);
        }

        grandState = Hide(grand, grandState);

        static CellState Hide(long value, CellState current) => value > 0 && current == CellState.Shown ? CellState.Complementary : current;
    }
}
