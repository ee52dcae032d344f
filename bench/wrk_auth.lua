-- wrk script for bench/status_wrk.sh: every request carries the API token from $EBCM_TOKEN.
local token = os.getenv("EBCM_TOKEN")
if token == nil or token == "" then
  error("EBCM_TOKEN is not set")
end
wrk.headers["Authorization"] = "Bearer " .. token
