namespace OimBot.Analytics;

/// <summary>
/// Can someone work out a hidden figure from what a table publishes? An attacker knows every shown value exactly, that a
/// "&lt;k" cell is between 1 and k-1, that a "•" cell is at least 1, and that rows, columns and the grand total add up.
/// A table with margins is a flow network (source → rows → columns → sink, back to the source), so a set of values is
/// consistent exactly when a circulation with those bounds exists. A hidden figure is determined when no consistent
/// table gives it another value: it cannot be lower and cannot be higher. Flow bounds are integral, so this is exact
/// for whole counts.
/// </summary>
internal static class Disclosure
{
    /// <summary>No count is larger than this (a "•" is unbounded above).</summary>
    private const long Unbounded = 1L << 40;

    /// <summary>The first hidden figure the published ones determine: (row, column), with -1 for a total; null when none is.</summary>
    public static (int Row, int Column)? FirstDetermined(
        long[,] counts,
        CellState[,] state,
        long[] rowTotals,
        CellState[] rowTotalState,
        long[] columnTotals,
        CellState[] columnTotalState,
        long grand,
        CellState grandState,
        Func<int, int> k) =>
        Determined(counts, state, rowTotals, rowTotalState, columnTotals, columnTotalState, grand, grandState, k, stopAfter: 1) is [var first, ..] ? first : null;

    /// <summary>The hidden figures the published ones determine, up to <paramref name="stopAfter"/> of them.</summary>
    public static List<(int Row, int Column)> Determined(
        long[,] counts,
        CellState[,] state,
        long[] rowTotals,
        CellState[] rowTotalState,
        long[] columnTotals,
        CellState[] columnTotalState,
        long grand,
        CellState grandState,
        Func<int, int> k,
        int stopAfter = int.MaxValue)
    {
        var found = new List<(int Row, int Column)>();
        var rows = counts.GetLength(0);
        var columns = counts.GetLength(1);
        var network = new Network(rows, columns);
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                network.Cell[r, c] = Bounds(counts[r, c], state[r, c], k(r));
            }

            network.RowTotal[r] = Bounds(rowTotals[r], rowTotalState[r], k(r));
        }

        for (var c = 0; c < columns; c++)
        {
            network.ColumnTotal[c] = Bounds(columnTotals[c], columnTotalState[c], Suppression.Threshold);
        }

        network.Grand = Bounds(grand, grandState, Suppression.Threshold);

        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                if (state[r, c] != CellState.Shown && IsDetermined(network, () => ref network.Cell[r, c], counts[r, c]))
                {
                    found.Add((r, c));
                    if (found.Count >= stopAfter)
                    {
                        return found;
                    }
                }
            }

            if (rowTotalState[r] != CellState.Shown && IsDetermined(network, () => ref network.RowTotal[r], rowTotals[r]))
            {
                found.Add((r, -1));
                if (found.Count >= stopAfter)
                {
                    return found;
                }
            }
        }

        for (var c = 0; c < columns; c++)
        {
            if (columnTotalState[c] != CellState.Shown && IsDetermined(network, () => ref network.ColumnTotal[c], columnTotals[c]))
            {
                found.Add((-1, c));
                if (found.Count >= stopAfter)
                {
                    return found;
                }
            }
        }

        if (grandState != CellState.Shown && IsDetermined(network, () => ref network.Grand, grand))
        {
            found.Add((-1, -1));
        }

        return found;
    }

    private static (long Low, long High) Bounds(long value, CellState state, int k) => state switch
    {
        CellState.Shown => (value, value),
        CellState.Small => (1, k - 1),
        _ => (1, Unbounded),
    };

    private delegate ref (long Low, long High) Slot();

    /// <summary>Determined when neither a lower nor a higher value than the true one is consistent with the rest.</summary>
    private static bool IsDetermined(Network network, Slot slot, long value)
    {
        ref var bounds = ref slot();
        var original = bounds;
        try
        {
            var canBeLower = false;
            if (original.Low <= value - 1)
            {
                bounds = (original.Low, value - 1);
                canBeLower = network.Feasible();
            }

            var canBeHigher = false;
            if (!canBeLower && value + 1 <= original.High)
            {
                slot() = (value + 1, original.High);
                canBeHigher = network.Feasible();
            }

            return !canBeLower && !canBeHigher;
        }
        finally
        {
            slot() = original;
        }
    }

    /// <summary>Source → row i (row total) → column j (cell) → sink (column total) → source (grand total).</summary>
    private sealed class Network(int rows, int columns)
    {
        public (long Low, long High)[,] Cell { get; } = new (long, long)[rows, columns];

        public (long Low, long High)[] RowTotal { get; } = new (long, long)[rows];

        public (long Low, long High)[] ColumnTotal { get; } = new (long, long)[columns];

        public (long Low, long High) Grand;

        /// <summary>A circulation within the bounds exists (lower bounds reduced to a max-flow from a super source).</summary>
        public bool Feasible()
        {
            var source = rows + columns;
            var sink = source + 1;
            var superSource = sink + 1;
            var superSink = superSource + 1;
            var flow = new MaxFlow(superSink + 1);
            var excess = new long[superSink + 1];

            void Arc(int from, int to, (long Low, long High) bounds)
            {
                if (bounds.Low > bounds.High)
                {
                    excess[0] = long.MinValue; // impossible bounds
                    return;
                }

                flow.Add(from, to, bounds.High - bounds.Low);
                excess[to] += bounds.Low;
                excess[from] -= bounds.Low;
            }

            for (var r = 0; r < rows; r++)
            {
                Arc(source, r, RowTotal[r]);
                for (var c = 0; c < columns; c++)
                {
                    Arc(r, rows + c, Cell[r, c]);
                }
            }

            for (var c = 0; c < columns; c++)
            {
                Arc(rows + c, sink, ColumnTotal[c]);
            }

            Arc(sink, source, Grand);
            if (excess[0] == long.MinValue)
            {
                return false;
            }

            var required = 0L;
            for (var node = 0; node < superSource; node++)
            {
                if (excess[node] > 0)
                {
                    flow.Add(superSource, node, excess[node]);
                    required += excess[node];
                }
                else if (excess[node] < 0)
                {
                    flow.Add(node, superSink, -excess[node]);
                }
            }

            return flow.Run(superSource, superSink) == required;
        }
    }

    /// <summary>Dinic's algorithm: the tables here have at most a few hundred arcs.</summary>
    private sealed class MaxFlow(int nodes)
    {
        private readonly List<(int To, long Capacity, int Reverse)>[] _arcs = [.. Enumerable.Range(0, nodes).Select(_ => new List<(int, long, int)>())];
        private int[] _level = [];
        private int[] _next = [];

        public void Add(int from, int to, long capacity)
        {
            _arcs[from].Add((to, capacity, _arcs[to].Count));
            _arcs[to].Add((from, 0, _arcs[from].Count - 1));
        }

        public long Run(int source, int sink)
        {
            var total = 0L;
            while (Levels(source, sink))
            {
                _next = new int[nodes];
                long pushed;
                while ((pushed = Push(source, sink, long.MaxValue)) > 0)
                {
                    total += pushed;
                }
            }

            return total;
        }

        private bool Levels(int source, int sink)
        {
            _level = [.. Enumerable.Repeat(-1, nodes)];
            _level[source] = 0;
            var queue = new Queue<int>([source]);
            while (queue.TryDequeue(out var node))
            {
                foreach (var (to, capacity, _) in _arcs[node])
                {
                    if (capacity > 0 && _level[to] < 0)
                    {
                        _level[to] = _level[node] + 1;
                        queue.Enqueue(to);
                    }
                }
            }

            return _level[sink] >= 0;
        }

        private long Push(int node, int sink, long limit)
        {
            if (node == sink)
            {
                return limit;
            }

            for (; _next[node] < _arcs[node].Count; _next[node]++)
            {
                var (to, capacity, reverse) = _arcs[node][_next[node]];
                if (capacity <= 0 || _level[to] != _level[node] + 1)
                {
                    continue;
                }

                var pushed = Push(to, sink, Math.Min(limit, capacity));
                if (pushed > 0)
                {
                    _arcs[node][_next[node]] = (to, capacity - pushed, reverse);
                    var back = _arcs[to][reverse];
                    _arcs[to][reverse] = (back.To, back.Capacity + pushed, back.Reverse);
                    return pushed;
                }
            }

            return 0;
        }
    }
}
