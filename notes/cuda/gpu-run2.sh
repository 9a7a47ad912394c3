#!/usr/bin/env bash
# GPU run for cudaperf2 (copied to .device-perf/run.sh): bash .device-perf/run.sh [stages]
# stages: tests, bench (base CLI then new, 8B and 1B at 512 + 256, batch 1, alternating), lab (DecodeBench --lab).
set -u
D=.device-perf
STAGES="${1:-tests bench lab}"
mkdir -p /tmp/dotnet && tar -C /tmp/dotnet -xJf $D/dotnet-runtime.tar.xz
export DOTNET_ROOT=/tmp/dotnet PATH=/tmp/dotnet:$PATH LD_LIBRARY_PATH=/usr/local/cuda/lib64:/usr/local/nvidia/lib64 DOTNET_CLI_TELEMETRY_OPTOUT=1
tar -C $D -xJf $D/bin.tar.xz
NEW="dotnet $D/bin/LlmLab.Cli/LlmLab.Cli.dll"
OLD="dotnet $D/bin/Base.Cli/LlmLab.Cli.dll"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.draw,temperature.gpu --format=csv > $OUT/gpu.txt 2>&1
t0=$(date +%s)
for p in llama-3.1-8b llama-3.2-1b; do
  [ -f /tmp/ck/$p/.complete ] || { $NEW make-random --preset $p --dtype bf16 --out /tmp/ck/$p > /dev/null && touch /tmp/ck/$p/.complete; }
done
echo "checkpoints ready at $(( $(date +%s) - t0 )) s"
if [[ " $STAGES " == *" tests "* ]]; then
  (cd $D/bin/LlmLab.Cuda.Tests && timeout 150 dotnet LlmLab.Cuda.Tests.dll) > $OUT/tests.log 2>&1
  echo "tests rc=$? at $(( $(date +%s) - t0 )) s"; grep -a -E "Total:|\[FAIL\]" $OUT/tests.log | sed 's/\x1b\[[0-9;]*m//g' | head -20
fi
if [[ " $STAGES " == *" bench "* ]]; then
  for run in "NEW llama-3.1-8b" "OLD llama-3.1-8b" "NEW llama-3.2-1b" "OLD llama-3.2-1b" ${BENCH_MORE:-}; do
    set -- ${run//:/ }
    log=$OUT/bench-$1-$2.log
    [ -f $log ] && log=$OUT/bench-$1-$2-again.log
    timeout 100 ${!1} bench --device cuda --model /tmp/ck/$2 --prompt-tokens 512 --new-tokens 256 --repetitions 5 --batch 1 > $log 2>&1
    echo "== $1 $2 rc=$? at $(( $(date +%s) - t0 )) s"; grep -a -v "^bench:" $log | grep -a -i -E "decode|ttft|roofline" | head -4
  done
fi
if [[ " $STAGES " == *" lab "* ]]; then
  (cd $D/bin/LlmLab.Cuda.Tests && timeout ${LAB_TIMEOUT:-200} dotnet LlmLab.Cuda.Tests.dll bench --preset ${LAB_PRESETS:-llama-3.2-1b --preset llama-3.1-8b} --lab --dir /tmp/ck --json $OUT/lab.json) > $OUT/lab.log 2>&1
  echo "lab rc=$? at $(( $(date +%s) - t0 )) s"; grep -a -E "decode b=1|gemv warps|rmsnorm|gate proj, 1" $OUT/lab.log | cut -c1-230 | head -60
fi
