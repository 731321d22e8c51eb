#!/usr/bin/env bash
# Installs what the tests need when it is missing, builds, runs every test, and prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
# The official Python client, used through Debian's python3 (not the python3 first on PATH).
/usr/bin/python3 -c "import kubernetes" 2>/dev/null || need_apt+=(python3-kubernetes)
# A real Prometheus (and its promtool) scrapes `vigil run` and checks deploy/monitoring; only the binaries are used.
[ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ] || need_apt+=(prometheus)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# kubectl 1.33 and the older ones come with the machine's Google Cloud SDK; Debian's kubernetes-client would conflict.
for v in 1.33 1.27; do
  [ -x "/usr/lib/google-cloud-sdk/bin/kubectl.$v" ] || [ "$v" = 1.33 -a -x /usr/bin/kubectl ] || { echo "kubectl $v is missing (expected /usr/lib/google-cloud-sdk/bin/kubectl.$v)"; exit 1; }
done

results="$(pwd)/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
dotnet build Vigil.slnx -c Release -nologo -v quiet
status=0
# One test assembly at a time: several of them start clusters and operator processes whose timing assertions a
# neighbour assembly's load (three `vigil run` processes over 300 namespaces) would make flaky on a 2-core machine.
dotnet test Vigil.slnx -m:1 -c Release --no-build --nologo --logger "trx" --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1500000 || status=$?

passed=0; failed=0
for f in "$results"/*.trx; do
  [ -f "$f" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  p=$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')
  x=$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  passed=$((passed + ${p:-0})); failed=$((failed + ${x:-0}))
done
echo "$passed passed, $failed failed"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then echo "dotnet test exited with $status"; exit "$status"; fi
[ "$failed" -eq 0 ]
