-- wrk script for the API benchmarks (tests/bench/api-bench.sh, cgi-bench.sh).
-- Environment: BENCH_METHOD (POST by default), BENCH_BODY (a JSON body, for
-- POST), BENCH_TOKEN (a poste's token, sent as Bearer), BENCH_COOKIE (a
-- Cookie header), BENCH_PAIRS_FILE (below). Counts the answers whose status is not 2xx in every
-- thread and prints, at the end, one line for people and one for scripts:
--   non-200 answers: N
--   wrk-summary requests=R seconds=S rps=X p50_ms=.. p99_ms=.. max_ms=.. non2xx=N socket_errors=E
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

non2xx = 0
wrk.method = os.getenv("BENCH_METHOD") or "POST"
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
local token = os.getenv("BENCH_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
local cookie = os.getenv("BENCH_COOKIE")
if cookie ~= nil and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

-- BENCH_PAIRS_FILE: lines "token code", one per workstation: each request
-- takes the next pair (each thread from its own place in the list), as
-- many kiosks validating their own codes at once would; without it every
-- request is the same (BENCH_TOKEN, BENCH_BODY).
local pairs_file = os.getenv("BENCH_PAIRS_FILE")
local reqs = nil
local at = 0

function init(args)
  if pairs_file == nil or pairs_file == "" then return end
  reqs = {}
  for line in io.lines(pairs_file) do
    local tok, code = line:match("^(%S+)%s+(%S+)$")
    if tok ~= nil then
      table.insert(reqs, wrk.format(nil, nil, {
        ["Authorization"] = "Bearer " .. tok,
        ["Content-Type"] = "application/json" }, '{"code":"' .. code .. '"}'))
    end
  end
  at = math.random(#reqs)
end

function request()
  if reqs == nil or #reqs == 0 then return wrk.format() end
  at = at % #reqs + 1
  return reqs[at]
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  local s = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("non-200 answers: %d\n", bad))
  io.write(string.format("wrk-summary requests=%d seconds=%.2f rps=%.0f "
    .. "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests, s, summary.requests / s,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, bad, e.connect + e.read + e.write + e.timeout))
end
