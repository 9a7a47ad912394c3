# Device check of the fourth session (2026-12-07). Phases (first argument, default "suite 1b"):
#   suite  the CUDA test suite (issue 13's CUDA parts, quantized kernels, device maps), figures to $OUT/cuda-report.txt
#   1b     llama-3.2-1b decode on CUDA: BF16 and at-load Q8_0 / Q4_K_M / Q4_0, then a --n-gpu-layers 9 split (8 of 16 layers + head)
#   8b     llama-3.1-8b: BF16 and Q4_K_M on CUDA, and --n-gpu-layers 17 (16 of 32 layers + head) with the rest on the CPU
# Pack: build tests/LlmLab.Cuda.Tests, src/LlmLab.Cli (and the llama.cpp benchmark) in Release into .device/bin, tar as .device/bin.tar.xz.
set -u
source .device/env.sh
[ -d .device/bin ] || tar -C .device -xJf .device/bin.tar.xz
CLI="dotnet .device/bin/LlmLab.Cli/LlmLab.Cli.dll"
t0=$(date +%s); el() { echo "$(( $(date +%s) - t0 )) s"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > $OUT/machine.txt 2>&1; lscpu | head -20 >> $OUT/machine.txt
phases="${1:-suite 1b}"
bench() { # name, timeout, args...
  local name=$1 limit=$2; shift 2
  timeout $limit $CLI bench "$@" > $OUT/bench-$name.log 2>&1
  echo "== $name rc=$? at $(el)"; grep -a -E "^TTFT|roofline|bound|crossings|device map|^  (cpu|cuda)" $OUT/bench-$name.log | head -8; tail -1 $OUT/bench-$name.log
}
if [[ " $phases " == *" suite "* ]]; then
  LLMLAB_CUDA_REPORT=$OUT/cuda-report.txt timeout ${TEST_LIMIT:-300} dotnet .device/bin/LlmLab.Cuda.Tests/LlmLab.Cuda.Tests.dll > $OUT/cuda-tests.log 2>&1
  echo "cuda tests rc=$? at $(el)"; sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -E "Total:|\[FAIL\]" | head -30
fi
if [[ " $phases " == *" 1b "* ]]; then
  $CLI make-random --preset llama-3.2-1b --dtype bf16 --out /tmp/ck/1b > /dev/null 2>&1
  for q in none ${QUANTS:-Q8_0 Q4_K_M Q4_0}; do
    qa=""; [ $q != none ] && qa="--quant $q"
    bench 1b-$q 150 --device cuda --model /tmp/ck/1b $qa --prompt-tokens 512 --new-tokens 256 --repetitions 3
  done
  bench 1b-ngl9 200 --device cuda --model /tmp/ck/1b --n-gpu-layers 9 --prompt-tokens 128 --new-tokens 32 --repetitions 2
fi
if [[ " $phases " == *" 8b "* ]]; then
  $CLI make-random --preset llama-3.1-8b --dtype bf16 --out /tmp/ck/8b > /dev/null 2>&1; echo "8b made at $(el)"
  bench 8b-none 150 --device cuda --model /tmp/ck/8b --prompt-tokens 512 --new-tokens 256 --repetitions 3
  bench 8b-Q4_K_M 200 --device cuda --model /tmp/ck/8b --quant Q4_K_M --prompt-tokens 512 --new-tokens 256 --repetitions 3
  bench 8b-ngl17 240 --device cuda --model /tmp/ck/8b --n-gpu-layers 17 --prompt-tokens 64 --new-tokens 16 --repetitions 1 --warmup 1
fi
