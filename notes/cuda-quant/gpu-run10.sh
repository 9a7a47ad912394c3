# Device check, sixth session. Phases (first argument, default "suite bench8 lab"):
#   suite   the CUDA test classes the fusion refactor, the quantized kernels and FP8 weights touch (TEST_CLASSES to change)
#   bench8  llama-3.1-8b decode and TTFT: BF16, then --quant fp8 (same run, so one copy bandwidth), then Q8_0 (QUANTS8)
#   lab     quant-lab (tests' Bench/QuantLab.cs) on llama-3.2-1b Q4_K_M: decode per QuantGemvStages, TTFT per slice size;
#           then llama-3.1-8b FP8 (after bench8 made it): TTFT with prefill on the FP8 tensor cores and dequantized
# Pack as gpu-run4.sh says.
source notes/cuda-quant/gpu-common.sh
phases="${1:-suite bench8 lab}"
if [[ " $phases " == *" suite "* ]]; then
  classes=""; for c in ${TEST_CLASSES:-QuantizedOpTests QuantizedModelTests KvCacheOpTests KvCacheModelTests FusedOpTests FusedForwardTests ModelTests MemoryTests OpTests GenerationTests DeviceMapTests SamplingTests}; do classes="$classes -class LlmLab.Cuda.Tests.$c"; done
  LLMLAB_CUDA_REPORT=$OUT/cuda-report.txt timeout ${TEST_LIMIT:-200} $TESTS $classes -verbose > $OUT/cuda-tests.log 2>&1
  echo "cuda tests rc=$? at $(el)"; sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -E "Total:|\[FAIL\]|Assert|above" | head -24
  echo "finished: $(sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -c 'FINISHED\]')"
fi
if [[ " $phases " == *" bench8 "* ]]; then
  $CLI make-random --preset llama-3.1-8b --dtype bf16 --out /tmp/ck/8b > /dev/null 2>&1; echo "8b made at $(el)"
  for q in ${QUANTS8:-none fp8 Q8_0}; do
    qa=""; [ $q != none ] && qa="--quant $q"
    timeout ${BENCH_LIMIT:-100} $CLI bench --device cuda --model /tmp/ck/8b $qa --prompt-tokens 512 --new-tokens 256 --repetitions 3 > $OUT/bench-8b-$q.log 2>&1
    echo "== 8b $q rc=$? at $(el)"; grep -a -E "^TTFT|roofline|inter-token|rror" $OUT/bench-8b-$q.log | head -5
  done
fi
if [[ " $phases " == *" lab "* ]]; then
  $CLI make-random --preset llama-3.2-1b --dtype bf16 --out /tmp/ck/1b > /dev/null 2>&1
  timeout ${LAB_LIMIT:-60} $TESTS quant-lab --dir /tmp/ck/1b --quant Q4_K_M --stages 1,3,4,2,1,3 --slices 128,32,16,128 > $OUT/lab-1b-Q4_K_M.log 2>&1
  echo "== lab 1b Q4_K_M rc=$? at $(el)"; grep -a -E "stages|slices" $OUT/lab-1b-Q4_K_M.log
  if [ -d /tmp/ck/8b ]; then
    timeout ${LAB8_LIMIT:-90} $TESTS quant-lab --dir /tmp/ck/8b --quant FP8 --stages 1 --steps 64 --slices 128 --fp8-prefill on,off,on > $OUT/lab-8b-fp8.log 2>&1
    echo "== lab 8b FP8 rc=$? at $(el)"; grep -a -E "roofline|stages|slices|fp8" $OUT/lab-8b-fp8.log
  fi
fi
