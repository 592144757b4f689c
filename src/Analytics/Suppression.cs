using System.Globalization;

namespace OimBot.Analytics;

public enum CellState
{
    Shown,

    /// <summary>A count from 1 to k-1: shown as "&lt;k".</summary>
    Small,

    /// <summary>
    /// Hidden so that a small cell cannot be worked out from the totals: shown as "•" (at least 1). Also a total of 1 to
    /// k-1 whose "&lt;k" would pin its "&lt;k" cells down (four "&lt;5" cells adding up to under 5 are 1 each).
    /// </summary>
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

    /// <summary>
    /// As <see cref="Shown"/>, with no thousands separator: for the CSVs, where "1,205" is text to a script and 1.205 to a
    /// spreadsheet whose decimal mark is a comma.
    /// </summary>
    public string Exported => State == CellState.Shown ? Value.ToString(CultureInfo.InvariantCulture) : Shown;

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
        var plan = new Plan(counts, row => sensitiveRows?.Contains(row) == true ? SensitiveThreshold : Threshold);
        if (withTotals)
        {
            plan.Protect();
        }
        else
        {
            plan.HideTotals();
        }

        return plan.ToTable();
    }

    /// <summary>
    /// The table with its margins as one (rows + 1) × (columns + 1) grid: row totals in the last column, column totals in
    /// the last row, the grand total in the corner. Every row and every column of that grid balances once the totals
    /// are counted negatively, which is what makes the complementary cells easy to choose: hiding the four corners of
    /// a rectangle lets its cells move by ±1 together without changing anything that is published.
    /// </summary>
    private sealed class Plan
    {
        private readonly int _rows;
        private readonly int _columns;
        private readonly long[,] _value;
        private readonly CellState[,] _state;
        private readonly int[,] _k;
        private readonly Func<int, int> _rowK;

        public Plan(long[,] counts, Func<int, int> k)
        {
            _rows = counts.GetLength(0);
            _columns = counts.GetLength(1);
            _rowK = k;
            _value = new long[_rows + 1, _columns + 1];
            _state = new CellState[_rows + 1, _columns + 1];
            _k = new int[_rows + 1, _columns + 1];
            for (var r = 0; r < _rows; r++)
            {
                for (var c = 0; c < _columns; c++)
                {
                    _value[r, c] = counts[r, c];
                    _value[r, _columns] += counts[r, c];
                    _value[_rows, c] += counts[r, c];
                    _value[_rows, _columns] += counts[r, c];
                }
            }

            // A column total or the grand total of a one-row table is one of that row's figures, so it has the row's k.
            var totalK = _rows == 1 ? k(0) : Threshold;
            foreach (var (i, j) in All())
            {
                _k[i, j] = i < _rows ? k(i) : totalK;
                _state[i, j] = _value[i, j] > 0 && _value[i, j] < _k[i, j] ? CellState.Small : CellState.Shown;
            }
        }

        private int Figures => (_rows + 1) * (_columns + 1);

        /// <summary>No totals are published: they are all hidden, and nothing needs a complementary cell.</summary>
        public void HideTotals()
        {
            foreach (var (i, j) in All().Where(p => IsTotal(p) && _value[p.Row, p.Column] > 0))
            {
                _state[i, j] = CellState.Complementary;
            }
        }

        /// <summary>
        /// Hides complementary figures until no hidden figure can be worked out from the published ones (checked exactly
        /// by <see cref="Disclosure"/>), then publishes again every complementary figure that turns out not to be needed.
        /// </summary>
        public void Protect()
        {
            Loosen();
            for (var round = 0; ; round++)
            {
                Link();
                var exposed = Exposed();
                if (exposed is null)
                {
                    break;
                }

                // Each round hides at least one more figure, so this ends; the last resort hides every non-zero figure.
                if (round > Figures || !(HideRectangle(exposed.Value) || HideOnLines(exposed.Value)))
                {
                    HideEverything();
                    break;
                }
            }

            Prune();
        }

        public SuppressedTable ToTable()
        {
            var cells = new PublishedCell[_rows, _columns];
            for (var r = 0; r < _rows; r++)
            {
                for (var c = 0; c < _columns; c++)
                {
                    cells[r, c] = Published((r, c));
                }
            }

            return new SuppressedTable(
                cells,
                [.. Enumerable.Range(0, _rows).Select(r => Published((r, _columns)))],
                [.. Enumerable.Range(0, _columns).Select(c => Published((_rows, c)))],
                Published((_rows, _columns)));

            PublishedCell Published((int Row, int Column) p) => new(_value[p.Row, p.Column], _state[p.Row, p.Column], _k[p.Row, p.Column]);
        }

        private IEnumerable<(int Row, int Column)> All() =>
            Enumerable.Range(0, _rows + 1).SelectMany(i => Enumerable.Range(0, _columns + 1).Select(j => (i, j)));

        private bool IsTotal((int Row, int Column) p) => p.Row == _rows || p.Column == _columns;

        private bool IsShown((int Row, int Column) p) => _state[p.Row, p.Column] == CellState.Shown;

        /// <summary>
        /// The positions holding the same figure as <paramref name="p"/>: in a one-column table each row total is its
        /// cell (and the column total is the grand total); in a one-row table each column total is its cell (and the row
        /// total is the grand total). One figure is published or hidden in all its places at once.
        /// </summary>
        private List<(int Row, int Column)> Same((int Row, int Column) p)
        {
            var same = new List<(int Row, int Column)> { p };
            for (var n = 0; n < same.Count; n++)
            {
                var (i, j) = same[n];
                foreach (var other in new[] { _columns == 1 ? (i, 1 - j) : (i, j), _rows == 1 ? (1 - i, j) : (i, j) })
                {
                    if (!same.Contains(other))
                    {
                        same.Add(other);
                    }
                }
            }

            return same;
        }

        /// <summary>A figure hidden in one of its places is hidden in all of them.</summary>
        private void Link()
        {
            foreach (var p in All().Where(p => !IsShown(p)))
            {
                foreach (var (i, j) in Same(p).Where(IsShown))
                {
                    _state[i, j] = _state[p.Row, p.Column];
                }
            }
        }

        private void Set((int Row, int Column) p, CellState state)
        {
            foreach (var (i, j) in Same(p))
            {
                _state[i, j] = state;
            }
        }

        /// <summary>The first hidden figure the published ones give away, if any.</summary>
        private (int Row, int Column)? Exposed()
        {
            var counts = new long[_rows, _columns];
            var state = new CellState[_rows, _columns];
            for (var r = 0; r < _rows; r++)
            {
                for (var c = 0; c < _columns; c++)
                {
                    counts[r, c] = _value[r, c];
                    state[r, c] = _state[r, c];
                }
            }

            // Disclosure bounds a "<k" column or grand total by the ordinary k. In a one-row table those totals carry
            // the row's k, but they are the same figures as the row's cells and row total, whose bounds are exact: the
            // totals themselves are then only said to be at least 1.
            CellState Total(int i, int j) => _rows == 1 && _state[i, j] == CellState.Small ? CellState.Complementary : _state[i, j];
            var exposed = Disclosure.FirstDetermined(
                counts,
                state,
                [.. Enumerable.Range(0, _rows).Select(r => _value[r, _columns])],
                [.. Enumerable.Range(0, _rows).Select(r => _state[r, _columns])],
                [.. Enumerable.Range(0, _columns).Select(c => _value[_rows, c])],
                [.. Enumerable.Range(0, _columns).Select(c => Total(_rows, c))],
                _value[_rows, _columns],
                Total(_rows, _columns),
                _rowK);
            return exposed is null ? null : (exposed.Value.Row < 0 ? _rows : exposed.Value.Row, exposed.Value.Column < 0 ? _columns : exposed.Value.Column);
        }

        /// <summary>
        /// Hides the cheapest rectangle with the exposed figure at one corner: the fewest newly hidden figures, then the
        /// fewest totals (the grand total counts double), then the smallest values. A rectangle whose corners can really
        /// move by one (a "&lt;k" stays within 1..k-1, a "•" stays at least 1) is preferred; a zero is never hidden.
        /// </summary>
        private bool HideRectangle((int Row, int Column) exposed)
        {
            var (i, j) = exposed;
            (bool Stuck, int New, int Totals, long Values, int Row, int Column)? best = null;
            for (var i2 = 0; i2 <= _rows; i2++)
            {
                for (var j2 = 0; j2 <= _columns; j2++)
                {
                    if (i2 == i || j2 == j)
                    {
                        continue;
                    }

                    var corners = new[] { ((i, j), 1), ((i, j2), -1), ((i2, j), -1), ((i2, j2), 1) };
                    var fresh = corners.Select(c => c.Item1).Where(IsShown).SelectMany(Same).Distinct().ToList();
                    if (fresh.Count == 0 || fresh.Any(p => _value[p.Row, p.Column] == 0))
                    {
                        continue;
                    }

                    var figures = fresh.Select(p => Same(p).Min()).Distinct().ToList();
                    var totals = figures.Sum(p => p == (_rows, _columns) ? 2 : IsTotal(p) ? 1 : 0);
                    var cost = (!Moves(corners, 1) && !Moves(corners, -1), figures.Count, totals, figures.Sum(p => _value[p.Row, p.Column]), i2, j2);
                    if (best is null || cost.CompareTo(best.Value) < 0)
                    {
                        best = cost;
                    }
                }
            }

            if (best is null)
            {
                return false;
            }

            foreach (var corner in new[] { (i, best.Value.Column), (best.Value.Row, j), (best.Value.Row, best.Value.Column) })
            {
                if (IsShown(corner))
                {
                    Set(corner, CellState.Complementary);
                }
            }

            return true;
        }

        /// <summary>
        /// Can every corner move by <paramref name="step"/> (totals the other way, as they are counted negatively) and stay
        /// a possible hidden value?
        /// </summary>
        private bool Moves(((int Row, int Column) Position, int Sign)[] corners, int step) => corners.All(corner =>
        {
            var (p, sign) = corner;
            var moved = _value[p.Row, p.Column] + (step * sign * (p.Row == _rows ? -1 : 1) * (p.Column == _columns ? -1 : 1));
            return moved >= 1 && (_state[p.Row, p.Column] != CellState.Small || moved < _k[p.Row, p.Column]);
        });

        /// <summary>No rectangle will do: the smallest published non-zero figure on the exposed figure's lines, else anywhere.</summary>
        private bool HideOnLines((int Row, int Column) exposed)
        {
            var candidates = All().Where(p => IsShown(p) && _value[p.Row, p.Column] > 0)
                .OrderBy(p => p.Row == exposed.Row || p.Column == exposed.Column ? 0 : 1)
                .ThenBy(p => IsTotal(p) ? 1 : 0)
                .ThenBy(p => _value[p.Row, p.Column])
                .ThenBy(p => p)
                .ToList();
            if (candidates.Count == 0)
            {
                return false;
            }

            Set(candidates[0], CellState.Complementary);
            return true;
        }

        /// <summary>
        /// Some "&lt;k" figures give each other away whatever else is hidden: four "&lt;5" cells in a row whose total is
        /// "&lt;5" can only be 1 each. Hiding more cannot help, as a "&lt;k" is known to be 1 to k-1: such a total is shown
        /// as "•" instead (at least 1, no upper bound), until hiding every other figure would protect the table.
        /// </summary>
        private void Loosen()
        {
            for (var round = 0; round <= Figures; round++)
            {
                var saved = (CellState[,])_state.Clone();
                HideEverything();
                var exposed = Exposed();
                Array.Copy(saved, _state, saved.Length);
                if (exposed is null)
                {
                    return;
                }

                // A total first (in a one-column or one-row table, not one that is also a cell), on a line through the
                // exposed figure first.
                var (row, column) = exposed.Value;
                var small = All().Where(p => _state[p.Row, p.Column] == CellState.Small).Select(p => Same(p).Min()).Distinct()
                    .OrderBy(p => Same(p).All(IsTotal) ? 0 : 1)
                    .ThenBy(p => Same(p).Any(q => q.Row == row || q.Column == column) ? 0 : 1)
                    .ThenBy(p => p)
                    .ToList();
                if (small.Count == 0)
                {
                    return;
                }

                Set(small[0], CellState.Complementary);
            }
        }

        private void HideEverything()
        {
            foreach (var p in All().Where(p => IsShown(p) && _value[p.Row, p.Column] > 0))
            {
                Set(p, CellState.Complementary);
            }
        }

        /// <summary>
        /// Publishes again (or as "&lt;k" again) each complementary figure that is not needed, the costliest first (the grand total, then
        /// other totals, then the largest cells), so that no single "•" could be shown without giving something away.
        /// </summary>
        private void Prune()
        {
            var hidden = All().Where(p => _state[p.Row, p.Column] == CellState.Complementary).Select(p => Same(p).Min()).Distinct()
                .OrderByDescending(p => Same(p).Contains((_rows, _columns)) ? 2 : Same(p).All(IsTotal) ? 1 : 0)
                .ThenByDescending(p => _value[p.Row, p.Column])
                .ThenBy(p => p)
                .ToList();
            foreach (var p in hidden)
            {
                // A count of 1 to k-1 loosened to "•" can only go back to "<k".
                Set(p, _value[p.Row, p.Column] < _k[p.Row, p.Column] ? CellState.Small : CellState.Shown);
                if (Exposed() is not null)
                {
                    Set(p, CellState.Complementary);
                }
            }
        }
    }
}
