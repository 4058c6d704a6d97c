-- metrics_flush.lua: record the sums a pausing or stopping worker measured and has not sent
-- yet (no reserve or job_finish call will carry them soon; _metrics.lua).
--
-- KEYS[1]  metrics_totals: not read here; it names the namespace's slot, so a Redis Cluster
--           client routes the call (the keys are built from the prefix, as _metrics.lua describes)
-- ARGV[1 .. 4]  the metrics arguments of _metrics.lua
--#include _metrics
metrics_record(metrics_settings(ARGV, 1))
return 1
