#!/usr/bin/env bash
# GPU run, session 2026-11-21 (second): bash notes/cuda/gpu-run.sh [stages]
# needs .device from ../shared/tools/gpu-pack src/LlmLab.Cli tests/LlmLab.Cuda.Tests, with bin/ packed as bin.tar.xz.
# stages: tests (CUDA suite), bench (llmlab bench 1B and 8B, 512 + 256, batch 1), sweep (DecodeBench A/B),
#         ncu (Nsight Compute: the 1B's decode kernels and cuBLAS on the same shapes, L2 flushed before each kernel).
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
  timeout ${SWEEP_TIMEOUT:-300} dotnet .device/bin/LlmLab.Cuda.Tests/LlmLab.Cuda.Tests.dll bench ${SWEEP_PRESETS:---preset llama-3.2-1b --preset llama-3.1-8b} --dir /tmp/ck --json $OUT/sweep.json > $OUT/sweep.log 2>&1
  echo "sweep rc=$? at $(( $(date +%s) - t0 )) s"; grep -a -E "decode b=1|TTFT|batch  64|peak" $OUT/sweep.log | cut -c1-150 | head -60
fi
if [[ " $STAGES " == *" ncu "* ]]; then
  M=gpu__time_duration.sum,dram__bytes_read.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed,launch__registers_per_thread,launch__grid_size,launch__block_size,sm__warps_active.avg.pct_of_peak_sustained_active,launch__occupancy_limit_registers,launch__waves_per_multiprocessor
  timeout 200 ncu --graph-profiling node --clock-control none --cache-control all -k 'regex:gemv|decode_attention|rms_norm|argmax|embedding' \
    --launch-skip ${NCU_SKIP:-400} --launch-count 40 --csv --print-units base --page raw --metrics $M \
    $CLI bench --device cuda --model /tmp/ck/llama-3.2-1b --prompt-tokens 512 --new-tokens 16 --repetitions 1 > $OUT/ncu-1b.csv 2> $OUT/ncu-1b.err
  echo "ncu llmlab rc=$? at $(( $(date +%s) - t0 )) s"
  timeout 120 ncu --clock-control none --cache-control all --launch-skip 10 --launch-count 12 --csv --print-units base --page raw --metrics $M,launch__function_pcs \
    python3 notes/cuda/cublas-shapes.py > $OUT/ncu-cublas.csv 2> $OUT/ncu-cublas.err
  echo "ncu cublas rc=$? at $(( $(date +%s) - t0 )) s"
  python3 notes/cuda/ncu-summary.py $OUT/ncu-1b.csv $OUT/ncu-cublas.csv
fi
