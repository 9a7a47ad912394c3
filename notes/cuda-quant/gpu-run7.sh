# Device check, fifth session (2026-12-07), first call: Nsight Compute on one quantized decode step of llama-3.2-1b
# (every kernel of the step: time, DRAM bytes, occupancy), then the whole CUDA suite with every test listed.
# Phases (first argument, default "ncu suite"). Pack as gpu-run4.sh says.
set -u
source .device/env.sh
[ -d .device/bin ] || tar -C .device -xJf .device/bin.tar.xz
CLI="dotnet .device/bin/LlmLab.Cli/LlmLab.Cli.dll"
t0=$(date +%s); el() { echo "$(( $(date +%s) - t0 )) s"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > $OUT/machine.txt 2>&1
phases="${1:-ncu suite}"
if [[ " $phases " == *" ncu "* ]]; then
  $CLI make-random --preset llama-3.2-1b --dtype bf16 --out /tmp/ck/1b > /dev/null 2>&1; echo "1b made at $(el)"
  M=gpu__time_duration.sum,dram__bytes_read.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed,launch__registers_per_thread,launch__grid_size,launch__block_size,sm__warps_active.avg.pct_of_peak_sustained_active,launch__occupancy_limit_registers,launch__occupancy_limit_shared_mem,launch__waves_per_multiprocessor,smsp__inst_executed.sum,sm__throughput.avg.pct_of_peak_sustained_elapsed
  for q in ${NCU_QUANTS:-Q4_K_M Q8_0}; do
    timeout ${NCU_LIMIT:-100} ncu --graph-profiling node --clock-control none --cache-control all -k 'regex:gemv|attention|rms_norm|argmax|embedding|dequant|rope|silu|add' \
      --launch-skip ${NCU_SKIP:-300} --launch-count ${NCU_COUNT:-150} --csv --print-units base --page raw --metrics $M \
      $CLI bench --device cuda --model /tmp/ck/1b --quant $q --prompt-tokens 64 --new-tokens 8 --repetitions 1 --warmup 0 > $OUT/ncu-$q.csv 2> $OUT/ncu-$q.err
    echo "ncu $q rc=$? at $(el)"
    python3 notes/cuda/ncu-summary.py $OUT/ncu-$q.csv > $OUT/ncu-$q.txt; head -40 $OUT/ncu-$q.txt
  done
fi
if [[ " $phases " == *" suite "* ]]; then
  LLMLAB_CUDA_REPORT=$OUT/cuda-report.txt timeout ${TEST_LIMIT:-380} dotnet .device/bin/LlmLab.Cuda.Tests/LlmLab.Cuda.Tests.dll -verbose > $OUT/cuda-tests.log 2>&1
  echo "cuda tests rc=$? at $(el)"; sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -E "Total:|\[FAIL\]" | head -30
  echo "passed: $(sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -c '\[PASS\]')"
fi
