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
    /// Hides one more published, non-zero figure on a line through the exposed one: the smallest cell (the least loss),
    /// else a total of those lines. Never a zero: "•" always means at least 1.
    /// </summary>
    private static bool HideAnother(long[,] counts, CellState[,] state, long[] rowTotals, CellState[] rowTotalState, long[] columnTotals, CellState[] columnTotalState, long grand, ref CellState grandState, (int Row, int Column) exposed, Func<int, int> k)
    {
        var rows = counts.GetLength(0);
        var columns = counts.GetLength(1);
        var candidates = new List<(long Value, int Row, int Column)>();
        if (exposed.Row >= 0)
        {
            candidates.AddRange(Enumerable.Range(0, columns).Where(c => state[exposed.Row, c] == CellState.Shown && counts[exposed.Row, c] > 0).Select(c => (counts[exposed.Row, c], exposed.Row, c)));
        }

        if (exposed.Column >= 0)
        {
            candidates.AddRange(Enumerable.Range(0, rows).Where(r => state[r, exposed.Column] == CellState.Shown && counts[r, exposed.Column] > 0).Select(r => (counts[r, exposed.Column], r, exposed.Column)));
        }

        if (exposed.Row < 0 && exposed.Column < 0)
        {
            // The grand total: hide the smallest shown row or column total... through its cells.
            candidates.AddRange(Enumerable.Range(0, rows).SelectMany(r => Enumerable.Range(0, columns).Select(c => (r, c)))
                .Where(p => state[p.r, p.c] == CellState.Shown && counts[p.r, p.c] > 0).Select(p => (counts[p.r, p.c], p.r, p.c)));
        }

        if (candidates.Count > 0)
        {
            // Try the smallest first; prefer one that leaves nothing exposed, then one that is not itself exposed.
            var ordered = candidates.Distinct().OrderBy(c => c.Value).ThenBy(c => c.Row).ThenBy(c => c.Column).ToList();
            (long Value, int Row, int Column)? fallback = null;
            foreach (var candidate in ordered.Take(8))
            {
                var trial = (CellState[,])state.Clone();
                trial[candidate.Row, candidate.Column] = CellState.Complementary;
                var trialRows = (CellState[])rowTotalState.Clone();
                var trialColumns = (CellState[])columnTotalState.Clone();
                var trialGrand = grandState;
                Mirror(trial, trialRows, trialColumns, ref trialGrand);
                var next = Disclosure.FirstDetermined(counts, trial, rowTotals, trialRows, columnTotals, trialColumns, grand, trialGrand, k);
                if (next is null)
                {
                    fallback = candidate;
                    break;
                }

                if (fallback is null && next.Value != (candidate.Row, candidate.Column))
                {
                    fallback = candidate;
                }
            }

            var pick = fallback ?? ordered[0];
            state[pick.Row, pick.Column] = CellState.Complementary;
            return true;
        }

        // Every cell of those lines is hidden or zero: hide the totals that give the value away.
        if (exposed.Row >= 0 && rowTotalState[exposed.Row] == CellState.Shown && rowTotals[exposed.Row] > 0)
        {
            rowTotalState[exposed.Row] = CellState.Complementary;
            return true;
        }

        if (exposed.Column >= 0 && columnTotalState[exposed.Column] == CellState.Shown && columnTotals[exposed.Column] > 0)
        {
            columnTotalState[exposed.Column] = CellState.Complementary;
            return true;
        }

        if (grandState == CellState.Shown && grand > 0)
        {
            grandState = CellState.Complementary;
            return true;
        }

        return false;
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
