-- answers.lua — wrk posts one questionnaire answer per family to the family portal.
--
--   wrk -t2 -c8 -d30s -s Benchmarks/portal/answers.lua http://127.0.0.1:8080 -- LINES THREADS [ANSWERS]
--
-- LINES is a file of lines `key csrf` (one per family: its questionnaire key and the csrf cookie
-- the portal gave with GET /respond/<key>; Benchmarks/portal/answers_file.py makes it). Each line is
-- used once: thread i of THREADS (give the same number as -t) takes lines i+1, i+1+THREADS, … in
-- order, and stops once it has sent them all and has every answer, so run it with -d long enough
-- to use them all (the summary says how many were). Each request is
--   POST /respond/<key>   Cookie: csrf=<csrf>
--   csrf=<csrf>&submission=<unique>&ANSWERS            (ANSWERS defaults to q1=4)
-- and done() prints, last, one line of JSON:
--   {"script":"answers.lua","lines":N,"sent":N,"statuses":{"200":N,...},"unused_lines":N}
-- (a 200 is a confirmation; 422 says ANSWERS do not fit the questionnaire, 403 a stale csrf, 429
-- the rate limit). While a thread waits for its last answers, its other connections send
-- GET /style.css, which is not counted (told apart by its Content-Type, text/css).

local threads = {}
local created = 0

function setup(thread)
   thread:set("id", created)
   created = created + 1
   table.insert(threads, thread)
end

local id, nthreads, lines, next_line, sent, received, statuses, answers, stopped, dry_run

function init(args)
   local path = args[1]
   nthreads = tonumber(args[2] or "")
   answers = args[3] or "q1=4"
   if not path or not nthreads or nthreads < 1 then
      error("answers.lua: usage: wrk ... -s answers.lua URL -- LINES THREADS [ANSWERS] (THREADS: the same number as -t)")
   end
   id = wrk.thread:get("id")
   if id >= nthreads then
      error(string.format("answers.lua: wrk runs more threads than THREADS=%d: pass the same number as -t", nthreads))
   end
   local file = io.open(path, "r")
   if not file then error("answers.lua: cannot read " .. path) end
   lines = {}
   local n = 0
   for line in file:lines() do
      local key, csrf = line:match("^%s*(%S+)%s+(%S+)")
      if key then
         n = n + 1
         if (n - 1) % nthreads == id then table.insert(lines, {key, csrf}) end
      end
   end
   file:close()
   next_line, sent, received, statuses, stopped = 1, 0, 0, {}, false
   dry_run = id == 0
   wrk.thread:set("lines_total", n)
   wrk.thread:set("sent", 0)
   wrk.thread:set("statuses", {})
   math.randomseed(os.time() + id * 7919)
end

local function finish_if_done()
   -- Once every line is sent and every answer to it is in, this thread stops.
   if not stopped and next_line > #lines and received >= sent then
      stopped = true
      wrk.thread:stop()
   end
end

function request()
   if dry_run then
      -- wrk calls thread 1's request() once before the run, to look at what it returns, and never
      -- sends that: give it no line (should it be sent after all, it is a GET /style.css).
      dry_run = false
      return wrk.format("GET", "/style.css")
   end
   local line = lines[next_line]
   if not line then
      finish_if_done()
      return wrk.format("GET", "/style.css")
   end
   next_line = next_line + 1
   sent = sent + 1
   wrk.thread:set("sent", sent)
   local key, csrf = line[1], line[2]
   local submission = string.format("bench-%d-%d-%d-%06d", os.time(), id, sent, math.random(0, 999999))
   local body = "csrf=" .. csrf .. "&submission=" .. submission .. "&" .. answers
   return wrk.format("POST", "/respond/" .. key, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = "csrf=" .. csrf,
   }, body)
end

function response(status, headers, body)
   local ctype = headers["Content-Type"] or headers["content-type"] or ""
   if ctype:find("text/css", 1, true) then return end
   local k = tostring(status)
   statuses[k] = (statuses[k] or 0) + 1
   received = received + 1
   wrk.thread:set("statuses", statuses)
   finish_if_done()
end

function done(summary, latency, requests)
   local total, sent_all, unused, merged = 0, 0, 0, {}
   for _, t in ipairs(threads) do
      total = t:get("lines_total") or total
      sent_all = sent_all + (t:get("sent") or 0)
      for k, v in pairs(t:get("statuses") or {}) do merged[k] = (merged[k] or 0) + v end
   end
   unused = total - sent_all
   local parts = {}
   for k, v in pairs(merged) do table.insert(parts, string.format('"%s":%d', k, v)) end
   table.sort(parts)
   io.write(string.format("answers: %d of %d lines sent; statuses %s\n", sent_all, total, table.concat(parts, ", ")))
   io.write(string.format('{"script":"answers.lua","lines":%d,"sent":%d,"statuses":{%s},"unused_lines":%d,' ..
                          '"latency_p50_ms":%.3f,"latency_p99_ms":%.3f}\n',
                          total, sent_all, table.concat(parts, ","), unused,
                          latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
