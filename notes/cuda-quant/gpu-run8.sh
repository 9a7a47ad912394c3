# Device check, fifth session: the dp4a (8-bit activation) quantized GEMV. Phases (first argument, default
# "tests bench ncu"): the quantized op/model tests and the kernel compile test; llama-3.2-1b decode benches
# (BF16 and at-load Q8_0 / Q4_K_M / Q4_0); Nsight Compute on one Q4_K_M decode step. Pack as gpu-run4.sh says.
set -u
source .device/env.sh
[ -d .device/bin ] || tar -C .device -xJf .device/bin.tar.xz
CLI="dotnet .device/bin/LlmLab.Cli/LlmLab.Cli.dll"
t0=$(date +%s); el() { echo "$(( $(date +%s) - t0 )) s"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > $OUT/machine.txt 2>&1
phases="${1:-tests bench ncu}"
if [[ " $phases " == *" tests "* ]]; then
  classes=""; for c in ${TEST_CLASSES:-QuantizedOpTests QuantizedModelTests KernelCompileTests}; do classes="$classes -class LlmLab.Cuda.Tests.$c"; done
  LLMLAB_CUDA_REPORT=$OUT/cuda-report.txt timeout ${TEST_LIMIT:-240} dotnet .device/bin/LlmLab.Cuda.Tests/LlmLab.Cuda.Tests.dll $classes > $OUT/cuda-tests.log 2>&1
  echo "cuda tests rc=$? at $(el)"; sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -E "Total:|\[FAIL\]|Assert|NMSE .* above" | head -30
fi
if [[ " $phases " == *" bench "* ]]; then
  $CLI make-random --preset llama-3.2-1b --dtype bf16 --out /tmp/ck/1b > /dev/null 2>&1
  for q in ${QUANTS:-none Q8_0 Q4_K_M Q4_0}; do
    qa=""; [ $q != none ] && qa="--quant $q"
    timeout 120 $CLI bench --device cuda --model /tmp/ck/1b $qa --prompt-tokens 512 --new-tokens 256 --repetitions 3 > $OUT/bench-1b-$q.log 2>&1
    echo "== 1b $q rc=$? at $(el)"; grep -a -E "^TTFT|roofline|inter-token" $OUT/bench-1b-$q.log | head -4
  done
fi
if [[ " $phases " == *" ncu "* ]]; then
  $CLI make-random --preset llama-3.2-1b --dtype bf16 --out /tmp/ck/1b > /dev/null 2>&1
  M=gpu__time_duration.sum,dram__bytes_read.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed,launch__registers_per_thread,launch__grid_size,launch__block_size,sm__warps_active.avg.pct_of_peak_sustained_active,launch__waves_per_multiprocessor
  timeout ${NCU_LIMIT:-100} ncu --graph-profiling node --clock-control none --cache-control all -k 'regex:gemv|attention|rms_norm|argmax|rope' \
    --launch-skip ${NCU_SKIP:-300} --launch-count ${NCU_COUNT:-40} --csv --print-units base --page raw --metrics $M \
    $CLI bench --device cuda --model /tmp/ck/1b --quant Q4_K_M --prompt-tokens 64 --new-tokens 8 --repetitions 1 --warmup 0 > $OUT/ncu-Q4_K_M.csv 2> $OUT/ncu-Q4_K_M.err
  echo "ncu rc=$? at $(el)"; python3 notes/cuda/ncu-summary.py $OUT/ncu-Q4_K_M.csv | cut -c1-150 | head -24
fi
