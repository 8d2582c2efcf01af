-- POST /api/sync with one new record per request (a fresh id each time), cookie and CSRF header.
package.path = debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua;" .. package.path
require "common"

local before = os.getenv("BENCH_BODY_BEFORE")
local after = os.getenv("BENCH_BODY_AFTER")
local nonce = tonumber(os.getenv("BENCH_NONCE") or "0", 16)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("BENCH_CSRF")

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter = 0
function request()
  counter = counter + 1
  -- tid and a per-run nonce keep ids unique across threads and runs.
  local id = string.format("%08x-%04x-4000-8000-%012x", tid, nonce, counter)
  return wrk.format(nil, nil, nil, before .. id .. after)
end
