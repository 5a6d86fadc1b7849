-- wrk script of scripts/bench.sh (issue 15): POSTs a teleconsultation body with unique ids.
--
--   wrk ... -s bench/post_teleconsultation.lua URL -- BODY_FILE TAG [API_KEY]
--
-- Every occurrence of the example's id "LGC-2026-000123" (the record's externalId and, with their
-- suffixes, each document's externalId: what must be unique per client) becomes
-- "B<TAG>-<thread>-<n>", unique per request of a run; TAG must differ between the runs of one
-- data folder. Answers other than 201 are counted by status, and the first few are kept. At the
-- end one line is printed for scripts/bench.sh:
--   RESULT requests=.. seconds=.. rps=.. p50_us=.. p99_us=.. mean_us=.. non201=..
--          socket_errors=.. statuses=<status>:<count>,..
-- With FHIRGW_BENCH_PORTS="P1,P2,..." in the environment (several gateway instances on
-- 127.0.0.1), thread i sends to port P((i-1) mod n + 1) instead of the URL's: one wrk process
-- loads every instance, so its requests/s are their sum and its percentiles those of all requests.
-- With FHIRGW_BENCH_RATE=R (requests/s of each wrk thread) the load is paced instead of closed:
-- the thread's connections take turns on one schedule of R sends a second (wrk's delay(); the
-- latency wrk records starts when the request is written, after the wait). A connection that comes
-- back after its turn has passed sends at once; turns that no connection was free to take are
-- lost, not made up later in a burst, so the rate achieved falls below R when answers take longer
-- than connections / R seconds.

local threads = {}
local placeholder = "LGC%-2026%-000123"

function setup(thread)
  thread:set("thread_id", #threads + 1)
  local ports = {}
  for port in string.gmatch(os.getenv("FHIRGW_BENCH_PORTS") or "", "%d+") do
    table.insert(ports, port)
  end
  if #ports > 0 then
    thread.addr = wrk.lookup("127.0.0.1", ports[#threads % #ports + 1])[1]
  end
  table.insert(threads, thread)
end

local rate = tonumber(os.getenv("FHIRGW_BENCH_RATE") or "")
if rate and rate > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    struct fhirgw_timespec { long tv_sec; long tv_nsec; };
    int clock_gettime(int clock, struct fhirgw_timespec *ts);
  ]]
  local now = ffi.new("struct fhirgw_timespec")
  local period = 1000 / rate  -- ms
  local nextTurn

  local function monotonicMs()
    ffi.C.clock_gettime(1, now)  -- CLOCK_MONOTONIC
    return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
  end

  -- Called by wrk before each request of a connection: the milliseconds to wait for its turn.
  function delay()
    local t = monotonicMs()
    if not nextTurn or nextTurn < t then nextTurn = t end
    local wait = nextTurn - t
    nextTurn = nextTurn + period
    return math.floor(wait + 0.5)
  end
end

function init(args)
  local file = assert(io.open(args[1], "rb"), "cannot read " .. tostring(args[1]))
  local body = file:read("*a")
  file:close()
  -- The body split around the placeholder once, so each request only concatenates.
  parts = {}
  local from = 1
  while true do
    local s, e = string.find(body, placeholder, from)
    if not s then break end
    table.insert(parts, string.sub(body, from, s - 1))
    from = e + 1
  end
  table.insert(parts, string.sub(body, from))
  prefix = "B" .. args[2] .. "-" .. thread_id .. "-"
  headers = { ["Content-Type"] = "application/json" }
  if args[3] and args[3] ~= "" then headers["Authorization"] = "Bearer " .. args[3] end
  counter = 0
  statuses = {}
  samples = {}
end

function request()
  counter = counter + 1
  local id = prefix .. counter
  local body = parts[1]
  for i = 2, #parts do body = body .. id .. parts[i] end
  return wrk.format("POST", "/api/v1/teleconsultations", headers, body)
end

function response(status, headers, body)
  if status ~= 201 then
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
    if #samples < 3 then table.insert(samples, key .. " " .. string.sub(body or "", 1, 300)) end
  end
end

function done(summary, latency, requests)
  local merged, samplesOut = {}, {}
  local non201 = 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      merged[status] = (merged[status] or 0) + count
      non201 = non201 + count
    end
    for _, sample in ipairs(thread:get("samples") or {}) do table.insert(samplesOut, sample) end
  end
  local list = {}
  for status, count in pairs(merged) do table.insert(list, status .. ":" .. count) end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_us=%d p99_us=%d mean_us=%d non201=%d "
      .. "socket_errors=%d statuses=%s\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50),
    latency:percentile(99), latency.mean, non201,
    e.connect + e.read + e.write + e.timeout, table.concat(list, ",")))
  for _, sample in ipairs(samplesOut) do
    io.write("SAMPLE " .. string.gsub(sample, "\n", " ") .. "\n")
  end
end
