-- wrk script: cycles through the tokens in $BENCH_TOKENS (one per line) and sends
-- each as a bearer token (GET) or, with $BENCH_INTROSPECT set, as an RFC 7662
-- introspection request with the service credentials in $BENCH_BASIC.
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local introspect = os.getenv("BENCH_INTROSPECT") == "1"
local basic = os.getenv("BENCH_BASIC")
local path = os.getenv("BENCH_PATH") or "/verify"
local i = 0

request = function()
  i = i % #tokens + 1
  if introspect then
    return wrk.format("POST", "/oauth/introspect", {
      ["Authorization"] = basic,
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, "token=" .. tokens[i])
  end
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[i] })
end
