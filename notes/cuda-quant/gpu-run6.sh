# Device check, fourth session, last call (little device time left): only the test classes whose code changed since the
# first call or that carry issue 13's CUDA parts, listed (-verbose), then the summary line.
set -u
source .device/env.sh
[ -d .device/bin ] || tar -C .device -xJf .device/bin.tar.xz
t0=$(date +%s)
classes=""; for c in DeviceMapTests GenerationTests SamplingTests QuantizedModelTests MemoryTests; do classes="$classes -class LlmLab.Cuda.Tests.$c"; done
LLMLAB_CUDA_REPORT=$OUT/cuda-report.txt timeout ${TEST_LIMIT:-280} dotnet .device/bin/LlmLab.Cuda.Tests/LlmLab.Cuda.Tests.dll -verbose $classes > $OUT/cuda-tests.log 2>&1
echo "cuda tests rc=$? at $(( $(date +%s) - t0 )) s"; sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -E "Total:|\[FAIL\]" | head -30
