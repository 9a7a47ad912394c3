# Sourced by the device scripts from run 10 on: the packed runtime and builds (see gpu-run4.sh for packing), the two
# entry points, an elapsed-time helper and the machine's name in $OUT/machine.txt.
set -u
source .device/env.sh
[ -d .device/bin ] || tar -C .device -xJf .device/bin.tar.xz
CLI="dotnet .device/bin/LlmLab.Cli/LlmLab.Cli.dll"
TESTS="dotnet .device/bin/LlmLab.Cuda.Tests/LlmLab.Cuda.Tests.dll"
t0=$(date +%s); el() { echo "$(( $(date +%s) - t0 )) s"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > $OUT/machine.txt 2>&1; cat $OUT/machine.txt
