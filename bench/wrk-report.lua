-- wrk script for bench/wrk.ts. BENCH_WRK_PATHS ("/a|/b") makes the connections alternate between
-- several paths (a page view that is two requests); the headers come from wrk's -H options.
-- done() prints one JSON line, prefixed BENCH_WRK, that bench/wrk.ts parses.
local paths = {}
for p in string.gmatch(os.getenv("BENCH_WRK_PATHS") or "", "[^|]+") do
  paths[#paths + 1] = p
end

if #paths > 1 then
  local requests = {}
  local n = 0
  init = function(args)
    for i, p in ipairs(paths) do
      requests[i] = wrk.format(nil, p)
    end
  end
  request = function()
    n = n + 1
    return requests[(n - 1) % #requests + 1]
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_WRK {"requests":%.0f,"durationUs":%.0f,"bytes":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f,"p50Us":%.0f,"p99Us":%.0f,"maxUs":%.0f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
