-- wrk script for bench/bench_layers.py: rotate over the paths listed in the file $WRK_PATHS.
-- Thread k of n requests paths k, k+n, k+2n, ... so no two requests repeat a path until the
-- list is exhausted; a thread stops after $WRK_MAX responses (count bound; -d is the time
-- bound). done() prints the totals and the number of responses that were not 200 (wrk falls
-- back to "GET /" silently when a script fails, so the caller checks this line).
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local max = tonumber(os.getenv("WRK_MAX") or "100000")
local threads = {}
local n_threads = 0

function setup(thread)
  thread:set("tid", n_threads)
  n_threads = n_threads + 1
  table.insert(threads, thread)
end

function init(args)
  step = tonumber(os.getenv("WRK_THREADS") or "2")
  i = tid
  responses, bad = 0, 0
end

function request()
  local path = paths[(i % #paths) + 1]
  i = i + step
  return wrk.format("GET", path)
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then bad = bad + 1 end
  if responses >= max then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local total, not_ok = 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("responses")
    not_ok = not_ok + t:get("bad")
  end
  io.write(string.format("bench: %d responses not 200, %d requests\n", not_ok, total))
end
