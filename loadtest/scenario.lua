-- One wrk scenario of `make loadtest` (see docs/loadtest.md).
--
--   wrk -t N -c N -s loadtest/scenario.lua http://127.0.0.1:PORT -- <sessions file> <mode>
--
-- Run with as many threads as connections: each wrk thread then drives exactly one connection,
-- so the per-thread Lua state below is the state of that one connection (its session, the
-- report version it last saw). Line i of the sessions file belongs to thread i:
--
--   <path> TAB <Cookie header value, or empty> TAB <Host header>
--
-- Modes:
--   get   GET <path> again and again; only 200 counts as a success (a redirect to the login page
--         means the session is gone, so it is an error here, although wrk would count it as fine).
--   save  The connection's coordinator saves their own report as a draft: GET the page once (for
--         the form token and loaded_version), then POST saves; each 302 raises the version by one,
--         which the next POST sends. Nobody else writes that report, so a 409 is an error.
--   autosave  As save, but POSTs to the report's autosave endpoint (<path>autosave/, issue #13): a 200
--         answers JSON with the new version, which the next POST sends. A 409 is an error here too.
--   tabs  Every connection saves the SAME report (several tabs of one coordinator): a POST that
--         loses the race gets 409 (the stale-save protection) and the connection then GETs the page
--         for the current version, as a user would reload. 409 is expected here and counted apart.
--
-- done() prints one line "LOADTEST {json}" with the counts and latency percentiles (µs).

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

local mode, path, host, cookie, post_path
local get_request
local need_get, last_method = true, "GET"
local version, token = nil, nil
local seq = 0
statuses = {}     -- "GET 200" -> count, read by done() through thread:get()
unexpected = 0    -- responses other than the mode's expected statuses
conflicts = 0     -- 409s in mode "tabs"
saves = 0         -- successful saves (302 after a POST)

local function headers(extra)
   local h = {
      ["Host"] = host,
      ["X-Forwarded-Proto"] = "https",  -- as the TLS-terminating proxy in front of gunicorn sets it
      ["User-Agent"] = "lop-loadtest (wrk)",
   }
   if cookie ~= "" then h["Cookie"] = cookie end
   for k, v in pairs(extra or {}) do h[k] = v end
   return h
end

function init(args)
   local file = args[1]
   mode = args[2] or "get"
   local n = 0
   for line in io.lines(file) do
      n = n + 1
      if n == id then
         path, cookie, host = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
      end
   end
   if not path then
      error("no line " .. id .. " in " .. file .. " (one line per connection is needed)")
   end
   get_request = wrk.format("GET", path, headers())
   post_path = (mode == "autosave") and (path .. "autosave/") or path
   need_get = (mode ~= "get")
end

local function save_body()
   seq = seq + 1
   local stamp = id .. "-" .. seq
   return table.concat({
      "csrfmiddlewaretoken=" .. token,
      "loaded_version=" .. version,
      "registration_procedure_used=true",
      "application_period_adjusted=false",
      "enrolment_period_adjusted=true",
      "free_enrolment_period_adjusted=false",
      "registrations_note=Load+test+draft+" .. stamp,
      "newcomers=unchanged",
      "newcomers_note=",
      "excluded_pupils=adjusted",
      "excluded_pupils_note=Follow-up+by+the+CLB",
      "theme-laptops-discussed=true",
      "theme-laptops-agreements=true",
      "theme-laptops-note=Saved+" .. stamp,
      "theme-family-support-discussed=false",
      "save=",
   }, "&")
end

function request()
   if mode == "get" or need_get then
      last_method = "GET"
      return get_request
   end
   last_method = "POST"
   local origin = "https://" .. host
   return wrk.format("POST", post_path, headers({
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Origin"] = origin,
      ["Referer"] = origin .. path,
   }), save_body())
end

function response(status, hdrs, body)
   local key = last_method .. " " .. status
   statuses[key] = (statuses[key] or 0) + 1
   if last_method == "GET" then
      if status ~= 200 then
         unexpected = unexpected + 1
         return
      end
      if mode ~= "get" then
         version = body:match('name="loaded_version" value="(%d+)"')
         token = body:match('name="csrfmiddlewaretoken" value="([%w]+)"')
         if version and token then
            need_get = false
         else
            unexpected = unexpected + 1  -- no form on the page: the report is not editable
         end
      end
   elseif status == 302 and mode ~= "autosave" then
      saves = saves + 1
      version = tonumber(version) + 1
   elseif status == 200 and mode == "autosave" then
      local saved = body:match('"version":%s*(%d+)')
      if saved then
         saves = saves + 1
         version = saved
      else
         unexpected = unexpected + 1
         need_get = true
      end
   elseif status == 409 and mode == "tabs" then
      conflicts = conflicts + 1
      need_get = true
   else
      unexpected = unexpected + 1
      need_get = true
   end
end

function done(summary, latency, requests)
   local all, bad, conf, ok = {}, 0, 0, 0
   for _, t in ipairs(threads) do
      for k, v in pairs(t:get("statuses") or {}) do
         all[k] = (all[k] or 0) + v
      end
      bad = bad + (t:get("unexpected") or 0)
      conf = conf + (t:get("conflicts") or 0)
      ok = ok + (t:get("saves") or 0)
   end
   local parts = {}
   for k, v in pairs(all) do
      table.insert(parts, string.format('"%s": %d', k, v))
   end
   table.sort(parts)
   local e = summary.errors
   io.write(string.format(
      'LOADTEST {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "unexpected": %d, "conflicts": %d, "saves": %d, "socket_errors": {"connect": %d, '
      .. '"read": %d, "write": %d, "timeout": %d}, "wrk_status_errors": %d, "statuses": {%s}}\n',
      summary.requests, summary.duration, math.floor(latency:percentile(50)),
      math.floor(latency:percentile(90)), math.floor(latency:percentile(99)), latency.max,
      bad, conf, ok, e.connect, e.read, e.write, e.timeout, e.status,
      table.concat(parts, ", ")))
end
