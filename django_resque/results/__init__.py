"""What became of jobs: per-job status and results, Resque's counters, the per-minute timeline."""
