-- wrk script for deploy/local/bench.ts: durable votes by distinct readers. DEPLOY_VOTES_FILE holds
-- one "commentId cookie" pair a line, every pair different, so each vote is a new row; thread k
-- of DEPLOY_VOTES_THREADS takes pairs k, k+n, k+2n, ... Once its pairs are used up a thread asks
-- for /healthz, which is not counted. done() prints one JSON line, prefixed DEPLOY_VOTES.
local threads = {}
local created = 0

setup = function(thread)
  thread:set("tid", created)
  created = created + 1
  table.insert(threads, thread)
end

init = function(args)
  list = {}
  for line in io.lines(os.getenv("DEPLOY_VOTES_FILE")) do
    local c, k = line:match("^(%S+) (.+)$")
    if c then list[#list + 1] = { c = c, k = k } end
  end
  step = tonumber(os.getenv("DEPLOY_VOTES_THREADS"))
  n = tid
  acked = 0
  failed = 0
  exhausted = 0
end

request = function()
  if n >= #list then
    exhausted = 1
    return wrk.format("GET", "/healthz")
  end
  local p = list[n + 1]
  n = n + step
  return wrk.format("PUT", "/api/v1/comments/" .. p.c .. "/vote", { ["Cookie"] = p.k })
end

response = function(status, headers, body)
  if body:find('"votedByMe"', 1, true) and status < 300 then
    acked = acked + 1
  elseif status >= 300 then
    failed = failed + 1
  end
end

done = function(summary, latency, requests)
  local a, f, x = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("acked")
    f = f + t:get("failed")
    x = x + t:get("exhausted")
  end
  io.write(string.format('DEPLOY_VOTES {"acked":%d,"failed":%d,"exhausted":%d,"durationUs":%.0f,"p99Us":%.0f}\n',
    a, f, x, summary.duration, latency:percentile(99)))
end
