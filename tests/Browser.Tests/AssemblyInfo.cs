// Each test class starts its own service and Chromium; on a 2-core machine running them side by side starves both and
// makes timeouts flaky, so browser classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
