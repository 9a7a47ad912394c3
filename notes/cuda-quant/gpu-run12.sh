# Device check, eighth session (run 12; ran with the QuantGemvShape lab build that is now on branch cuda-rowstep): where
# the 8B quantized decode stands against issue 10's targets, and which launch shape of gemv_quant.cu serves it best. Phases (first argument, default "lab8 ncu8 batch kv16k"), each skipped once the call
# has run $BUDGET s (default 480):
#   lab8   quant-lab on llama-3.1-8b, each mix of $LABQ (default Q4_K_M Q8_0): decode per QuantGemv shape
#          (WARPS/STAGES/TILE/SPLIT, $SHAPES), TTFT with whole-weight dequantization
#   ncu8   Nsight Compute over one 8B Q4_K_M decode step's kernels (durations, DRAM bytes and throughput)
#   batch  llmlab bench 8B Q4_K_M at batch 1 and 64 (issue 10: batch-64 aggregate ≥ 25× batch 1)
#   kv16k  llmlab bench 8B BF16 weights, a 16k prompt, bf16 KV then q8_0 KV (issue 10: q8_0 faster, near its roofline)
# Pack as gpu-run4.sh says; carry .device (kernels.tar.xz from an earlier call's $OUT, if any, beside bin.tar.xz).
source notes/cuda-quant/gpu-common.sh
phases="${1:-lab8 ncu8 batch kv16k}"
go() { [[ " $phases " == *" $1 "* ]] && [ $(( $(date +%s) - t0 )) -lt ${BUDGET:-480} ]; }
$CLI make-random --preset llama-3.1-8b --dtype bf16 --out /tmp/ck/8b > /dev/null 2>&1; echo "8b made at $(el)"
for q in ${LABQ:-Q4_K_M Q8_0}; do
  go lab8 || break
  timeout ${LAB8_LIMIT:-150} $TESTS quant-lab --dir /tmp/ck/8b --quant $q --steps 128 --slices 128 \
    --shapes ${SHAPES:-8/1/1/0,8/3/1/0,8/1/2/0,8/3/2/0,4/1/2/0,8/1/1/2,16/2/1/2,8/2/1/0,8/1/1/0} > $OUT/lab-8b-$q.log 2>&1
  echo "== lab 8b $q rc=$? at $(el)"; grep -a -E "roofline|shape|slices|rror|xception" $OUT/lab-8b-$q.log | head -16
done
if go ncu8; then
  M=gpu__time_duration.sum,dram__bytes_read.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed,launch__registers_per_thread,launch__grid_size,launch__block_size,sm__warps_active.avg.pct_of_peak_sustained_active,launch__waves_per_multiprocessor
  timeout ${NCU_LIMIT:-120} ncu --graph-profiling node --clock-control none --cache-control all -k 'regex:gemv|attention|rms_norm|argmax|rope' \
    --launch-skip ${NCU_SKIP:-700} --launch-count ${NCU_COUNT:-30} --csv --print-units base --page raw --metrics $M \
    $CLI bench --device cuda --model /tmp/ck/8b --quant Q4_K_M --prompt-tokens 64 --new-tokens 8 --repetitions 1 --warmup 0 > $OUT/ncu-8b-Q4_K_M.csv 2> $OUT/ncu-8b-Q4_K_M.err
  echo "ncu rc=$? at $(el)"; python3 notes/cuda/ncu-summary.py $OUT/ncu-8b-Q4_K_M.csv | cut -c1-160 | head -32
fi
if go batch; then
  timeout ${BATCH_LIMIT:-120} $CLI bench --device cuda --model /tmp/ck/8b --quant Q4_K_M --batch 1,64 --prompt-tokens 512 --new-tokens 128 --repetitions 2 > $OUT/bench-8b-Q4_K_M-b64.log 2>&1
  echo "== 8b Q4_K_M batch 1,64 rc=$? at $(el)"; grep -a -v "^bench:" $OUT/bench-8b-Q4_K_M-b64.log | head -24
fi
for kv in bf16 q8_0; do
  go kv16k || break
  timeout ${KV_LIMIT:-100} $CLI bench --device cuda --model /tmp/ck/8b --kv-type $kv --prompt-tokens 16384 --new-tokens 128 --repetitions 2 > $OUT/bench-8b-16k-$kv.log 2>&1
  echo "== 8b 16k kv $kv rc=$? at $(el)"; grep -a -E "^TTFT|roofline|bytes per token|rror" $OUT/bench-8b-16k-$kv.log | head -5
done
