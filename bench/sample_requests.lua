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

-- A line "sessionid=…" is a signed-in browser's session (the pages); anything else is an API key.
function credential_headers(token)
  if token:sub(1, 10) == "sessionid=" then
    return { ["Cookie"] = token, ["Accept"] = "text/html" }
  end
  return { ["Authorization"] = "Token " .. token, ["Accept"] = "application/json" }
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
  -- One credential per line; with several, each request is sent as a random one of them (many
  -- agents' desktops asking at once).
  headers_by_token = {}
  for token in io.lines(args[3]) do
    if #token > 0 then
      headers_by_token[#headers_by_token + 1] = credential_headers(token)
    end
  end
  assert(#headers_by_token > 0, "no credential in " .. args[3])
  -- A fixed seed per thread: every run sends the same sequence of requests.
  math.randomseed(1000 + thread_number)
end

function request()
  local headers = headers_by_token[math.random(#headers_by_token)]
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
