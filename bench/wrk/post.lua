-- POST the demo proposal; BODY_FILE and KEY come from the environment.
-- With DELAY_MS set, each connection waits that long between requests, which
-- paces the load (wrk has no fixed-rate mode; wrk2 is not packaged).
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
local body = f:read("*a")
f:close()
local key = os.getenv("KEY") or ""
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key

function delay()
  return delay_ms
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
