-- wrk script for deploy/local/bench.ts: done() prints one JSON line, prefixed DEPLOY_WRK, that
-- bench.ts parses. The headers come from wrk's -H options.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'DEPLOY_WRK {"requests":%.0f,"durationUs":%.0f,"errors":%.0f,"status":%.0f,"p50Us":%.0f,"p99Us":%.0f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
