# Device check of the third session (2026-12-07): the CUDA suite of the cuda-quant branch (which holds issue 13's CUDA
# parts and the quantized kernels), then llama-3.2-1b decode on CUDA for BF16 and at-load Q8_0 / Q4_K_M / Q4_0.
# Pack: build tests/LlmLab.Cuda.Tests and src/LlmLab.Cli in Release into .device/bin, tar it as .device/bin.tar.xz.
set -u
source .device/env.sh
[ -d .device/bin ] || tar -C .device -xJf .device/bin.tar.xz
CLI="dotnet .device/bin/LlmLab.Cli/LlmLab.Cli.dll"
t0=$(date +%s); el() { echo "$(( $(date +%s) - t0 )) s"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > $OUT/machine.txt 2>&1
if [ "${1:-all}" != bench ]; then
  LLMLAB_CUDA_REPORT=$OUT/cuda-report.txt timeout ${TEST_LIMIT:-300} dotnet .device/bin/LlmLab.Cuda.Tests/LlmLab.Cuda.Tests.dll > $OUT/cuda-tests.log 2>&1
  echo "cuda tests rc=$? at $(el)"; sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -E "Total:|\[FAIL\]" | head -30
fi
$CLI make-random --preset llama-3.2-1b --dtype bf16 --out /tmp/ck/1b > /dev/null 2>&1
for q in none ${QUANTS:-Q8_0 Q4_K_M Q4_0}; do
  qa=""; [ $q != none ] && qa="--quant $q"
  timeout 150 $CLI bench --device cuda --model /tmp/ck/1b $qa --prompt-tokens 512 --new-tokens 256 --repetitions 3 > $OUT/bench-1b-$q.log 2>&1
  echo "== 1b $q rc=$? at $(el)"; grep -a -E "TTFT|roofline|bytes per" $OUT/bench-1b-$q.log | head -4; tail -1 $OUT/bench-1b-$q.log
done
