-- wrk script: each write carries DEPTH pipelined requests for the URL's path (default 16).
--   wrk -t1 -c100 -d5s -s load/pipeline.lua http://127.0.0.1:8080/plaintext -- 16
local batch

init = function(args)
  local depth = tonumber(args[1]) or 16
  local requests = {}
  for i = 1, depth do
    requests[i] = wrk.format(nil, wrk.path)
  end
  batch = table.concat(requests)
end

request = function()
  return batch
end
