#!/usr/bin/env bash
# GPU run for the L2 prefetch work (session 2026-11-21): bash notes/cuda/gpu-run3.sh [stages]
# needs .device from ../shared/tools/gpu-pack src/LlmLab.Cli tests/LlmLab.Cuda.Tests, with bin/ packed as bin.tar.xz.
# stages: tests (CUDA suite), bench (llmlab bench 1B and 8B, 512 + 256, batch 1), sweep (DecodeBench: prefetch budgets).
set -u
STAGES="${1:-tests bench sweep}"
source .device/env.sh
[ -d .device/bin ] || tar -C .device -xJf .device/bin.tar.xz
CLI="dotnet .device/bin/LlmLab.Cli/LlmLab.Cli.dll"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.draw,temperature.gpu --format=csv > $OUT/gpu.txt 2>&1
t0=$(date +%s)
for p in llama-3.2-1b llama-3.1-8b; do
  [ -f /tmp/ck/$p/.complete ] || { $CLI make-random --preset $p --dtype bf16 --out /tmp/ck/$p > /dev/null && echo $p > /tmp/ck/$p/.complete; }
done
echo "checkpoints ready at $(( $(date +%s) - t0 )) s"
if [[ " $STAGES " == *" tests "* ]]; then
  timeout 240 dotnet .device/bin/LlmLab.Cuda.Tests/LlmLab.Cuda.Tests.dll -class- LlmLab.Cuda.Tests.KernelCompileTests > $OUT/tests.log 2>&1
  echo "tests rc=$? at $(( $(date +%s) - t0 )) s"; grep -a -E "Total:|\[FAIL\]" $OUT/tests.log | sed 's/\x1b\[[0-9;]*m//g' | head -20
fi
if [[ " $STAGES " == *" bench "* ]]; then
  for m in llama-3.2-1b llama-3.1-8b ${BENCH_MORE:-}; do
    log=$OUT/bench-$m.log
    [ -f $log ] && log=$OUT/bench-$m-again.log
    timeout 120 $CLI bench --device cuda --model /tmp/ck/$m --prompt-tokens 512 --new-tokens 256 --repetitions 5 > $log 2>&1
    echo "== $m rc=$? at $(( $(date +%s) - t0 )) s"; grep -a -v "^bench:" $log | grep -a -i -E "decode|ttft|roofline" | head -4
  done
fi
if [[ " $STAGES " == *" sweep "* ]]; then
  timeout ${SWEEP_TIMEOUT:-300} dotnet .device/bin/LlmLab.Cuda.Tests/LlmLab.Cuda.Tests.dll bench --preset llama-3.2-1b --preset llama-3.1-8b --dir /tmp/ck --json $OUT/sweep.json > $OUT/sweep.log 2>&1
  echo "sweep rc=$? at $(( $(date +%s) - t0 )) s"; grep -a -E "decode b=1|TTFT|batch  64|peak" $OUT/sweep.log | cut -c1-200 | head -40
fi
