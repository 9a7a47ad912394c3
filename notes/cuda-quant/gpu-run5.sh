# Device check, fourth session, second call: the whole CUDA suite with every test listed (-verbose), more time than the
# first call's 240 s (which ran out during the suite: NVRTC compiles every kernel on a fresh machine).
set -u
source .device/env.sh
[ -d .device/bin ] || tar -C .device -xJf .device/bin.tar.xz
t0=$(date +%s)
LLMLAB_CUDA_REPORT=$OUT/cuda-report.txt timeout ${TEST_LIMIT:-400} dotnet .device/bin/LlmLab.Cuda.Tests/LlmLab.Cuda.Tests.dll -verbose > $OUT/cuda-tests.log 2>&1
echo "cuda tests rc=$? at $(( $(date +%s) - t0 )) s"; sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -E "Total:|\[FAIL\]" | head -30
sed 's/\x1b\[[0-9;]*m//g' $OUT/cuda-tests.log | grep -a -c "\[PASS\]"
