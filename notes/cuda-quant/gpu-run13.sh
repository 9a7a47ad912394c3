# Device check for branch cuda-rowstep (eighth session; no machine could be started for it): rows streamed per warp in
# gemv_quant.cu (QuantGemvShape.RowStep) and twice the key rounds for quantized KV caches in attention_decode.cu. Run it
# from a checkout of that branch; merge the branch into main once its tests pass. Phases (first argument, default "tests kv16k lab8"),
# each skipped once the call has run $BUDGET s (default 400):
#   tests  the op tests of both changes (other launch shapes, grouped q/k/v and gate/up), FP8 prefill (fp8_prefill.cu,
#          split out of gemv_quant.cu) and the KV cache classes
#   kv16k  llmlab bench 8B BF16 weights, a 16k prompt, bf16 KV then q8_0 KV
#   lab8   quant-lab on llama-3.1-8b, each mix of $LABQ: decode per shape, TTFT and batch-64 decode per prefill slice size
# Pack with notes/cuda-quant/pack-device.sh; carry .device (with kernels.tar.xz from the last call's $OUT).
source notes/cuda-quant/gpu-common.sh
phases="${1:-tests kv16k lab8}"
go() { [[ " $phases " == *" $1 "* ]] && [ $(( $(date +%s) - t0 )) -lt ${BUDGET:-400} ]; }
if go tests; then
  LLMLAB_CUDA_REPORT=$OUT/cuda-report.txt timeout ${TEST_LIMIT:-75} $TESTS \
    -method LlmLab.Cuda.Tests.QuantizedOpTests.Decode_products_in_other_launch_shapes_read_the_blocks_alike \
    -method LlmLab.Cuda.Tests.QuantizedOpTests.Grouped_qkv_and_gate_up_run_fused_and_a_mixed_group_runs_apart \
    -method LlmLab.Cuda.Tests.QuantizedModelTests.Fp8_prefill_on_tensor_cores_stays_near_the_cpu_logits > $OUT/cuda-tests.log 2>&1
  echo "quantized op tests rc=$? at $(el)"; sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -E "Total:|\[FAIL\]|Assert|above|below" | head -12
  LLMLAB_CUDA_REPORT=$OUT/cuda-report-kv.txt timeout ${TEST_LIMIT:-75} $TESTS -class LlmLab.Cuda.Tests.KvCacheOpTests -class LlmLab.Cuda.Tests.KvCacheModelTests > $OUT/cuda-tests-kv.log 2>&1
  echo "kv tests rc=$? at $(el)"; sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests-kv.log | grep -a -E "Total:|\[FAIL\]|Assert|above|below" | head -12
  echo "finished: $(sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests-kv.log | grep -a -c 'FINISHED\]')"
fi
$CLI make-random --preset llama-3.1-8b --dtype bf16 --out /tmp/ck/8b > /dev/null 2>&1; echo "8b made at $(el)"
for kv in ${KVS:-bf16 q8_0}; do
  go kv16k || break
  timeout ${KV_LIMIT:-60} $CLI bench --device cuda --model /tmp/ck/8b --kv-type $kv --prompt-tokens 16384 --new-tokens 128 --repetitions 2 > $OUT/bench-8b-16k-$kv.log 2>&1
  echo "== 8b 16k kv $kv rc=$? at $(el)"; grep -a -E "^TTFT|roofline|rror" $OUT/bench-8b-16k-$kv.log | head -3
done
for q in ${LABQ:-Q4_K_M Q8_0}; do
  go lab8 || break
  timeout $(( ${BUDGET:-400} + 90 - ( $(date +%s) - t0 ) )) $TESTS quant-lab --dir /tmp/ck/8b --quant $q --steps 128 --slices ${SLICES:-128,24} --batch ${BATCH:-64} \
    --shapes ${SHAPES:-8/1/1/0,8/1/1/0/2,8/1/1/0/4,4/1/1/0/4,16/1/1/0/4,8/2/1/0/4,8/1/1/0} > $OUT/lab-8b-$q.log 2>&1
  echo "== lab 8b $q rc=$? at $(el)"; grep -a -E "roofline|shape|slices|rror|xception" $OUT/lab-8b-$q.log | head -16
done
