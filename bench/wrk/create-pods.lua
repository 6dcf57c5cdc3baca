-- wrk script: POST realistic pods with unique names (prefix + thread id + counter). Arguments: token [namespace] [name prefix].
-- schedulerName bench-none keeps the scheduler out of it: this measures the API server.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end

function init(args)
  token = args[1]
  local namespace = args[2] or "default"
  prefix = args[3] or "wrk"
  wrk.method = "POST"
  wrk.path = "/api/v1/namespaces/" .. namespace .. "/pods"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

local template = [[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"NAME","labels":{"app":"bench","pod-template-hash":"5d8f7c9b6"},"annotations":{"example.com/owner":"benchmark"}},"spec":{"schedulerName":"bench-none","containers":[{"name":"web","image":"127.0.0.1:5000/library/nginx:1.25.3","imagePullPolicy":"IfNotPresent","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],"env":[{"name":"MODE","value":"production"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},"readinessProbe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":5},"livenessProbe":{"tcpSocket":{"port":8080},"initialDelaySeconds":10},"volumeMounts":[{"name":"config","mountPath":"/etc/app"},{"name":"cache","mountPath":"/var/cache/app"}]}],"volumes":[{"name":"config","configMap":{"name":"app-config"}},{"name":"cache","emptyDir":{}}],"nodeSelector":{"kubernetes.io/os":"linux"},"tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]}}]]

function request()
  counter = counter + 1
  local name = prefix .. "-" .. tid .. "-" .. counter
  return wrk.format(nil, nil, nil, (template:gsub("NAME", name, 1)))
end

created = 0
failed = 0
function response(status, headers, body)
  if status == 201 then created = created + 1 else failed = failed + 1 end
end

function done(summary, latency, requests)
  local c, f = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    f = f + t:get("failed")
  end
  io.write(string.format('WRKJSON {"created":%d,"failed":%d,"p50Ms":%.2f,"p99Ms":%.2f}\n', c, f, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
