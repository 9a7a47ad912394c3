# The device check of 2026-12-07 (second session): CUDA suite, llama-3.2-1b BF16 bench on CUDA, --quant on CUDA, then
# LlmLab vs llama.cpp on this machine's CPU with 2 threads pinned to 2 cores (a quiet machine, unlike the build box).
# Pack: ../shared/tools/gpu-pack tests/LlmLab.Cuda.Tests src/LlmLab.Cli benchmarks/LlmLab.Benchmarks.LlamaCpp, then
# tar .device/bin as bin.tar.xz (see notes/quant/README.md); run with carry [".device"].
set -u
source .device/env.sh
[ -d .device/bin ] || tar -C .device -xJf .device/bin.tar.xz
CLI="dotnet .device/bin/LlmLab.Cli/LlmLab.Cli.dll"
t0=$(date +%s); el() { echo "$(( $(date +%s) - t0 )) s"; }
{ nvidia-smi --query-gpu=name,driver_version --format=csv; lscpu | grep -E "Model name|^CPU\(s\)|Flags" | cut -c1-300; } > $OUT/machine.txt 2>&1
part=${1:-all}
if [ "$part" = all ] || [ "$part" = cuda ]; then
  timeout 240 dotnet .device/bin/LlmLab.Cuda.Tests/LlmLab.Cuda.Tests.dll > $OUT/cuda-tests.log 2>&1
  echo "cuda tests rc=$? at $(el)"; sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -E "Total:|\[FAIL\]" | head -20
  $CLI make-random --preset llama-3.2-1b --dtype bf16 --out /tmp/ck/1b > /dev/null 2>&1
  timeout 120 $CLI bench --device cuda --model /tmp/ck/1b --prompt-tokens 512 --new-tokens 256 --repetitions 5 > $OUT/bench-1b-cuda.log 2>&1
  echo "cuda bench rc=$? at $(el)"; grep -a -i -E "decode|ttft|roofline" $OUT/bench-1b-cuda.log | head -6
  timeout 60 $CLI generate --device cuda --quant Q4_K_M --prompt "The jury" --max-new-tokens 5 > $OUT/quant-cuda.log 2>&1
  echo "quant on cuda rc=$?"; tail -2 $OUT/quant-cuda.log
fi
if [ "$part" = all ] || [ "$part" = cpu ]; then
  W=/tmp/cmp; mkdir -p $W
  [ -f /tmp/ck/1b/config.json ] || $CLI make-random --preset llama-3.2-1b --dtype bf16 --out /tmp/ck/1b > /dev/null 2>&1
  gunzip -c tests/fixtures/tokenizers/llama3/tokenizer.json.gz > /tmp/ck/1b/tokenizer.json
  cp tests/fixtures/tokenizers/llama3/tokenizer_config.json /tmp/ck/1b/
  cases=()
  for t in ${TYPES:-BF16 Q8_0 Q4_K_M Q4_0}; do
    [ -f $W/1b.$t.gguf ] || $CLI quantize --model /tmp/ck/1b --type $t --out $W/1b.$t.gguf > /dev/null 2>&1
    [ -f $W/brown.$t.gguf ] || $CLI quantize --model data/models/brown-llama-7m --type $t --out $W/brown.$t.gguf > /dev/null 2>&1
    cases+=("$W/1b.$t.gguf@64/32" "$W/brown.$t.gguf@128/64")
  done
  echo "models at $(el)"
  DOTNET_PROCESSOR_COUNT=2 timeout ${CPU_LIMIT:-400} taskset -c 2,3 dotnet .device/bin/LlmLab.Benchmarks.LlamaCpp/LlmLab.Benchmarks.LlamaCpp.dll \
    --threads 2 --repetitions 3 --json $OUT/cpu-results.json "${cases[@]}" > $OUT/cpu-bench.log 2>&1
  echo "cpu bench rc=$? at $(el)"; tail -30 $OUT/cpu-bench.log
fi
