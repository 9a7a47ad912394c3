# Device check, fifth session, last call. Phases (first argument, default "suite lab"):
#   suite  the CUDA test classes the fusion refactor and the quantized kernels touch (TEST_CLASSES to change), -verbose
#   lab    quant-lab (tests' Bench/QuantLab.cs): decode tok/s per QuantGemvStages setting and TTFT per prefill slice size,
#          llama-3.2-1b Q4_K_M and Q8_0, then llama-3.1-8b Q4_K_M
#   nb     notebooks/02-quantization.dib with the GPU columns on a make-random llama-3.2-1b (issue 10 item 7)
# Pack as gpu-run4.sh says.
source notes/cuda-quant/gpu-common.sh
phases="${1:-suite lab}"
if [[ " $phases " == *" suite "* ]]; then
  classes=""; for c in ${TEST_CLASSES:-FusedOpTests FusedForwardTests ModelTests OpTests QuantizedOpTests QuantizedModelTests GenerationTests DeviceMapTests SamplingTests}; do classes="$classes -class LlmLab.Cuda.Tests.$c"; done
  LLMLAB_CUDA_REPORT=$OUT/cuda-report.txt timeout ${TEST_LIMIT:-170} $TESTS $classes -verbose > $OUT/cuda-tests.log 2>&1
  echo "cuda tests rc=$? at $(el)"; sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -E "Total:|\[FAIL\]" | head -20
  echo "finished: $(sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -c 'FINISHED\]')"
fi
if [[ " $phases " == *" lab "* ]]; then
  $CLI make-random --preset llama-3.2-1b --dtype bf16 --out /tmp/ck/1b > /dev/null 2>&1
  timeout 60 $TESTS quant-lab --dir /tmp/ck/1b --quant Q4_K_M --stages 1,3,4,2,1,3 --slices 128,32,16,128 > $OUT/lab-1b-Q4_K_M.log 2>&1
  echo "== lab 1b Q4_K_M rc=$? at $(el)"; grep -a -E "stages|slices" $OUT/lab-1b-Q4_K_M.log
  timeout 40 $TESTS quant-lab --dir /tmp/ck/1b --quant Q8_0 --stages 1,3,1,3 --slices 128,16 > $OUT/lab-1b-Q8_0.log 2>&1
  echo "== lab 1b Q8_0 rc=$? at $(el)"; grep -a -E "stages|slices" $OUT/lab-1b-Q8_0.log
  $CLI make-random --preset llama-3.1-8b --dtype bf16 --out /tmp/ck/8b > /dev/null 2>&1; echo "8b made at $(el)"
  timeout ${LAB8_LIMIT:-120} $TESTS quant-lab --dir /tmp/ck/8b --quant Q4_K_M --stages 1,3,4,1,3 --steps 128 --slices 128,32,16,128 > $OUT/lab-8b-Q4_K_M.log 2>&1
  echo "== lab 8b Q4_K_M rc=$? at $(el)"; grep -a -E "stages|slices" $OUT/lab-8b-Q4_K_M.log
fi
if [[ " $phases " == *" nb "* ]]; then
  $CLI make-random --preset llama-3.2-1b --dtype bf16 --out /tmp/ck/1b > /dev/null 2>&1
  timeout ${NB_LIMIT:-240} $CLI run notebooks/02-quantization.dib -p model=/tmp/ck/1b -p device=cuda -p prompt=512 -p new=256 -p chunks=4 \
    --output $OUT/02-quantization-gpu.ipynb --html $OUT/02-quantization-gpu.html > $OUT/nb02.log 2>&1
  echo "== notebook 02 on cuda rc=$? at $(el)"; tail -3 $OUT/nb02.log
fi
