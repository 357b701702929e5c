using Xunit;

// The multi-process classes each run a cluster of silo processes on a 2-core machine: one class at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
