set -u
source .device/env.sh
[ -d .device/bin ] || tar -C .device -xJf .device/bin.tar.xz
CLI="dotnet .device/bin/LlmLab.Cli/LlmLab.Cli.dll"
nvidia-smi --query-gpu=name,driver_version --format=csv > $OUT/gpu.txt 2>&1
t0=$(date +%s)
timeout 300 dotnet .device/bin/LlmLab.Cuda.Tests/LlmLab.Cuda.Tests.dll -class- LlmLab.Cuda.Tests.KernelCompileTests > $OUT/tests.log 2>&1
echo "tests rc=$? at $(( $(date +%s) - t0 )) s"; grep -a -E "Total:|\[FAIL\]" $OUT/tests.log | sed 's/\x1b\[[0-9;]*m//g' | head -20
$CLI make-random --preset llama-3.2-1b --dtype bf16 --out /tmp/ck/1b > /dev/null
timeout 120 $CLI bench --device cuda --model /tmp/ck/1b --prompt-tokens 512 --new-tokens 256 --repetitions 5 > $OUT/bench-1b.log 2>&1
echo "bench rc=$? at $(( $(date +%s) - t0 )) s"; grep -a -v "^bench:" $OUT/bench-1b.log | grep -a -i -E "decode|ttft|roofline" | head -4
timeout 60 $CLI generate --device cuda --quant Q4_K_M --prompt "The jury" --max-new-tokens 5 > $OUT/quant.log 2>&1; echo "quant on cuda rc=$?"; tail -2 $OUT/quant.log
