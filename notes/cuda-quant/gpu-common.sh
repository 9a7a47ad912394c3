# Sourced by the device scripts from run 10 on: the packed runtime and builds (see gpu-run4.sh for packing), the two
# entry points, an elapsed-time helper and the machine's name in $OUT/machine.txt.
set -u
source .device/env.sh
[ -d .device/bin ] || tar -C .device -xJf .device/bin.tar.xz
CLI="dotnet .device/bin/LlmLab.Cli/LlmLab.Cli.dll"
TESTS="dotnet .device/bin/LlmLab.Cuda.Tests/LlmLab.Cuda.Tests.dll"
t0=$(date +%s); el() { echo "$(( $(date +%s) - t0 )) s"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > $OUT/machine.txt 2>&1; cat $OUT/machine.txt
# NVRTC results survive between device calls: a fresh machine compiles every kernel variant again (minutes of the
# suite's time limit). The cache folder is packed into $OUT/kernels.tar.xz when the script ends; copy that file to
# .device/kernels.tar.xz here and it is unpacked before the next call's first compile (keys include the NVRTC version).
export LLMLAB_KERNEL_CACHE=/tmp/llmlab-kernels
mkdir -p $LLMLAB_KERNEL_CACHE
[ -f .device/kernels.tar.xz ] && tar -C $LLMLAB_KERNEL_CACHE -xJf .device/kernels.tar.xz
trap 'tar -C $LLMLAB_KERNEL_CACHE -cf - . | xz -T8 -6 > $OUT/kernels.tar.xz' EXIT
