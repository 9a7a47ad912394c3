# Device check, sixth session, second call: FP8 prefill on tensor cores (the first call found cuBLASLt's outer-vector
# scaling refused: 0 products), now with the unscaled product + fp8_rescale fallback; the FP8 op/model tests, the 8B FP8
# lab (TTFT on/off tensor cores) and bench. Pack as gpu-run4.sh says.
source notes/cuda-quant/gpu-common.sh
LLMLAB_CUDA_REPORT=$OUT/cuda-report.txt timeout ${TEST_LIMIT:-100} $TESTS -method LlmLab.Cuda.Tests.QuantizedModelTests.Fp8_prefill_on_tensor_cores_stays_near_the_cpu_logits \
  -method LlmLab.Cuda.Tests.QuantizedOpTests.Prefill_products_dequantize_each_block_format_into_the_workspace > $OUT/cuda-tests.log 2>&1
echo "cuda tests rc=$? at $(el)"; sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -E "Total:|\[FAIL\]|above|below" | head -12
grep -a -E "FP8|refused" $OUT/cuda-report.txt | head -14
$CLI make-random --preset llama-3.1-8b --dtype bf16 --out /tmp/ck/8b > /dev/null 2>&1; echo "8b made at $(el)"
timeout ${LAB8_LIMIT:-90} $TESTS quant-lab --dir /tmp/ck/8b --quant FP8 --stages 1 --steps 64 --slices 128 --fp8-prefill on,off,on > $OUT/lab-8b-fp8.log 2>&1
echo "== lab 8b FP8 rc=$? at $(el)"; grep -a -E "roofline|stages|slices|fp8" $OUT/lab-8b-fp8.log
timeout ${BENCH_LIMIT:-70} $CLI bench --device cuda --model /tmp/ck/8b --quant fp8 --prompt-tokens 512 --new-tokens 256 --repetitions 3 > $OUT/bench-8b-fp8.log 2>&1
echo "== 8b fp8 rc=$? at $(el)"; grep -a -E "^TTFT|roofline|inter-token|rror" $OUT/bench-8b-fp8.log | head -5
