-- wrk script: each request is GET <prefix><a random line of the sample file> with the bench
-- agent's API token. Used by bench/http_bench.py:
--   wrk -t2 -c8 -d20s --latency -s bench/sample_requests.lua http://127.0.0.1:8765 \
--       -- /api/v1/customers/lookup?phone= bench/out/phones.txt bench/out/token.txt
-- done() prints one line "BENCH_RESULT {json}" with the percentiles wrk's --latency table
-- lacks (p95) and the error counts.

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  prefix = args[1]
  samples = {}
  for line in io.lines(args[2]) do
    if #line > 0 then
      samples[#samples + 1] = line
    end
  end
  assert(#samples > 0, "no samples in " .. args[2])
  local file = assert(io.open(args[3]))
  local token = file:read("*l")
  file:close()
  -- A line "sessionid=…" is a signed-in browser's session (the pages); anything else is an API key.
  if token:sub(1, 10) == "sessionid=" then
    headers = { ["Cookie"] = token, ["Accept"] = "text/html" }
  else
    headers = {
      ["Authorization"] = "Token " .. token,
      ["Accept"] = "application/json",
    }
  end
  -- A fixed seed per thread: every run sends the same sequence of requests.
  math.randomseed(1000 + thread_number)
end

function request()
  return wrk.format("GET", prefix .. samples[math.random(#samples)], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "mean_us": %.1f, '
      .. '"p50_us": %d, "p75_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, '
      .. '"non_2xx_3xx": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency.mean,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status
  ))
end
